package dev.tributary.model.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenizerTest {
    private final Tokenizer tok = Tokenizer.standard();

    @Test
    void roundTrip_withSpecialTokens() {
        String text = "<bos>12+3=2+3+0=05,<sep>15<eos>";
        int[] ids = tok.encode(text);
        assertEquals(Tokenizer.BOS, ids[0]);
        assertEquals(Tokenizer.EOS, ids[ids.length - 1]);
        assertEquals(text, tok.decode(ids));
        assertArrayEquals(new int[] {Tokenizer.PAD, Tokenizer.SEP}, tok.encode("<pad><sep>"));
    }

    @Test
    void unknownSymbol_namesTheSymbolAndPosition() {
        var e = assertThrows(IllegalArgumentException.class, () -> tok.encode("12x3"));
        assertTrue(e.getMessage().contains("unknown symbol 'x' (U+0078) at position 2 in '12x3'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tok.encode("<bos><end>"));
        assertTrue(e.getMessage().contains("unknown special token '<end>' at position 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {99}));
        assertTrue(e.getMessage().contains("token id 99 is outside the vocabulary [0, " + tok.vocabSize() + ")"),
                e.getMessage());
    }

    @Test
    void badAlphabet_isRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Tokenizer("abca"));
        assertTrue(e.getMessage().contains("repeats the symbol 'a'"), e.getMessage());
        Tokenizer code = Tokenizer.printableAscii();
        String program = "<bos>if a < b and c > d:\n\tprint(1)<eos>";
        assertEquals(program, code.decode(code.encode(program)));
        assertEquals(Tokenizer.BOS, code.encode(program)[0]);
    }
}
