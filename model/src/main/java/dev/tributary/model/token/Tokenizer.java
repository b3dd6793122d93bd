package dev.tributary.model.token;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A character-level tokenizer over a fixed alphabet plus four special tokens.
 * Special tokens are written {@code <bos>}, {@code <eos>}, {@code <pad>} and {@code <sep>} (the separator
 * between reasoning and answer) in text; where the alphabet has '<', any other '<' is that literal symbol.
 */
public final class Tokenizer {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int SEP = 3;
    private static final String[] SPECIALS = {"<pad>", "<bos>", "<eos>", "<sep>"};
    /** Digits, arithmetic signs and the scratchpad punctuation used by the built-in tasks. */
    public static final String DEFAULT_ALPHABET = "0123456789+-=*,;:c ";

    private final String alphabet;
    private final Map<Character, Integer> ids = new HashMap<>();

    public Tokenizer(String alphabet) {
        if (alphabet == null || alphabet.isEmpty()) {
            throw new IllegalArgumentException("tokenizer alphabet must be non-empty, got " + (alphabet == null ? "null" : "''"));
        }
        for (int i = 0; i < alphabet.length(); i++) {
            char c = alphabet.charAt(i);
            if (ids.putIfAbsent(c, SPECIALS.length + i) != null) {
                throw new IllegalArgumentException("tokenizer alphabet '" + alphabet + "' repeats the symbol '" + c + "'");
            }
        }
        this.alphabet = alphabet;
    }

    public static Tokenizer standard() {
        return new Tokenizer(DEFAULT_ALPHABET);
    }

    /** Printable ASCII plus newline and tab: enough to carry programs (for the code reward). */
    public static Tokenizer printableAscii() {
        StringBuilder sb = new StringBuilder("\n\t");
        for (char c = 32; c < 127; c++) {
            sb.append(c);
        }
        return new Tokenizer(sb.toString());
    }

    public int vocabSize() {
        return SPECIALS.length + alphabet.length();
    }

    public String alphabet() {
        return alphabet;
    }

    /** Encodes text; special tokens may appear as {@code <bos>} etc. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '<') {
                int end = text.indexOf('>', i);
                String tag = end < 0 ? text.substring(i) : text.substring(i, end + 1);
                int special = specialId(tag);
                if (special < 0 && ids.containsKey(c)) {
                    // '<' is a literal symbol of this alphabet unless it starts one of the special tags.
                    out.add(ids.get(c));
                    i++;
                    continue;
                }
                if (special < 0) {
                    throw new IllegalArgumentException("unknown special token '" + tag + "' at position " + i + " in '"
                            + text + "'; expected one of " + String.join(", ", SPECIALS));
                }
                out.add(special);
                i = end + 1;
                continue;
            }
            Integer id = ids.get(c);
            if (id == null) {
                throw new IllegalArgumentException("unknown symbol '" + c + "' (U+" + String.format("%04X", (int) c)
                        + ") at position " + i + " in '" + text + "'; the alphabet is '" + alphabet + "'");
            }
            out.add(id);
            i++;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    public String decode(int[] tokens) {
        return decode(tokens, 0, tokens.length);
    }

    public String decode(int[] tokens, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(symbol(tokens[i]));
        }
        return sb.toString();
    }

    public String symbol(int token) {
        if (token < 0 || token >= vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabSize() + ")");
        }
        return token < SPECIALS.length ? SPECIALS[token] : String.valueOf(alphabet.charAt(token - SPECIALS.length));
    }

    private static int specialId(String tag) {
        for (int s = 0; s < SPECIALS.length; s++) {
            if (SPECIALS[s].equals(tag)) {
                return s;
            }
        }
        return -1;
    }
}
