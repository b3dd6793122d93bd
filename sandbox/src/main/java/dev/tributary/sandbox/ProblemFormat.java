package dev.tributary.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text formats of shipped problems. A {@code .problem} file has {@code # key: value} headers
 * (title, compare, seed) and sections opened by {@code === statement}, {@code === reference <lang>}
 * and {@code === generator <lang>}. A {@code .cases} file holds length-prefixed texts
 * ({@code === input <chars>}) so any input, even one with marker-like lines, round-trips exactly.
 */
final class ProblemFormat {

    private static final String MARK = "=== ";

    private ProblemFormat() {
    }

    static Problem parseProblem(String id, String text, List<TestCase> cases) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String[]> sections = new ArrayList<>(); // {name, arg, body}
        StringBuilder body = null;
        String[] open = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith(MARK)) {
                if (open != null) {
                    sections.add(new String[] {open[0], open[1], body.toString().strip() + "\n"});
                }
                String[] parts = line.substring(MARK.length()).trim().split("\\s+", 2);
                open = new String[] {parts[0], parts.length > 1 ? parts[1] : ""};
                body = new StringBuilder();
            } else if (open != null) {
                body.append(line).append('\n');
            } else if (line.startsWith("# ") && line.contains(":")) {
                int colon = line.indexOf(':');
                headers.put(line.substring(2, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        if (open != null) {
            sections.add(new String[] {open[0], open[1], body.toString().strip() + "\n"});
        }
        String statement = null;
        Program generator = null;
        List<Program> references = new ArrayList<>();
        for (String[] s : sections) {
            switch (s[0]) {
                case "statement":
                    statement = s[2];
                    break;
                case "reference":
                    references.add(new Program(Language.fromId(s[1].isEmpty() ? "python3" : s[1]), s[2]));
                    break;
                case "generator":
                    generator = new Program(Language.fromId(s[1].isEmpty() ? "python3" : s[1]), s[2]);
                    break;
                default:
                    throw new IllegalArgumentException("problem " + id + ": unknown section '" + s[0] + "'");
            }
        }
        return new Problem(id, headers.getOrDefault("title", id), statement,
                Comparison.parse(headers.getOrDefault("compare", "whitespace")), references, generator,
                Long.parseLong(headers.getOrDefault("seed", "1")), cases);
    }

    static String writeCases(List<TestCase> cases) {
        StringBuilder sb = new StringBuilder();
        for (TestCase c : cases) {
            sb.append(MARK).append("input ").append(c.input().length()).append('\n').append(c.input()).append('\n');
            sb.append(MARK).append("output ").append(c.expectedOutput().length()).append('\n')
                    .append(c.expectedOutput()).append('\n');
        }
        return sb.toString();
    }

    static List<TestCase> parseCases(String id, String text) {
        List<TestCase> cases = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < text.length()) {
            String input = field(id, text, pos, "input");
            String output = field(id, text, pos, "output");
            cases.add(new TestCase(input, output));
        }
        return cases;
    }

    private static String field(String id, String text, int[] pos, String name) {
        String header = MARK + name + " ";
        if (!text.startsWith(header, pos[0])) {
            throw new IllegalArgumentException("cases of " + id + ": expected '" + header + "' at char " + pos[0]);
        }
        int eol = text.indexOf('\n', pos[0]);
        int length = Integer.parseInt(text.substring(pos[0] + header.length(), eol));
        int start = eol + 1;
        if (start + length >= text.length() + 1 || text.charAt(start + length) != '\n') {
            throw new IllegalArgumentException("cases of " + id + ": " + name + " of " + length
                    + " chars at char " + start + " is not followed by a newline");
        }
        pos[0] = start + length + 1;
        return text.substring(start, start + length);
    }
}
