package dev.tributary.model.engine;

import dev.tributary.model.Require;
import java.util.Objects;

/**
 * Continue {@code prefix} (a prompt, possibly followed by earlier segments) for at most {@code maxNewTokens}.
 *
 * @param seed         the random stream of this request: the draw for the token at sequence position p depends
 *                     only on (seed, p), so a generation resumed from its own prefix continues identically
 * @param repeatNgram  n-gram length for repetition detection (0 disables)
 * @param repeatLimit  stop with REPEAT once the newest n-gram has occurred this many times in the response
 */
public record GenerationRequest(String id, int[] prefix, int maxNewTokens, Sampling sampling, long seed,
                                int repeatNgram, int repeatLimit) {
    public GenerationRequest {
        Require.nonBlank(id, "generation request id");
        Objects.requireNonNull(prefix, "prefix of request " + id);
        if (prefix.length == 0) {
            throw new IllegalArgumentException("request " + id + " has an empty prefix; it needs at least the BOS token");
        }
        Require.positive(maxNewTokens, "max new tokens of request " + id);
        Objects.requireNonNull(sampling, "sampling of request " + id);
        Require.nonNegative(repeatNgram, "repeat n-gram length of request " + id);
        if (repeatNgram > 0 && repeatLimit < 2) {
            throw new IllegalArgumentException("repeat limit " + repeatLimit + " of request " + id
                    + " must be >= 2 when repetition detection is on");
        }
        prefix = prefix.clone();
    }

    public static GenerationRequest of(String id, int[] prefix, int maxNewTokens, Sampling sampling, long seed) {
        return new GenerationRequest(id, prefix, maxNewTokens, sampling, seed, 0, 0);
    }

    @Override
    public int[] prefix() {
        return prefix.clone();
    }

    int prefixLength() {
        return prefix.length;
    }

    int prefixToken(int i) {
        return prefix[i];
    }
}
