// Copies the README's sample load test (the ```java block after the testkit-sample marker) into this project, so
// that the test CI runs is the text a user reads.
def readme = new File(readmePath)
def text = readme.getText('UTF-8')
def marker = '<!-- testkit-sample: RolloutLoadTest.java -->'
int at = text.indexOf(marker)
if (at < 0) {
    throw new IllegalStateException("${readme}: no '${marker}' marker before the sample load test")
}
int open = text.indexOf('```java\n', at)
int close = text.indexOf('\n```', open + 8)
if (open < 0 || close < 0) {
    throw new IllegalStateException("${readme}: no ```java block after '${marker}'")
}
def target = new File(basedir, 'src/test/java/com/example/load/RolloutLoadTest.java')
target.parentFile.mkdirs()
target.setText(text.substring(open + 8, close + 1), 'UTF-8')
return true
