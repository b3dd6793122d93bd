// The sample ran its one test, which passed, and printed a report with nothing lost or duplicated.
def log = new File(basedir, 'build.log').getText('UTF-8')
def report = new File(basedir, 'target/surefire-reports/com.example.load.RolloutLoadTest-output.txt')
assert log.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0') : 'the README sample did not run one passing test'
def table = report.exists() ? report.getText('UTF-8') : log
assert table =~ /lost \/ duplicated\s+\| 0 \/ 0/ : 'the README sample printed no report with lost / duplicated 0 / 0'
return true
