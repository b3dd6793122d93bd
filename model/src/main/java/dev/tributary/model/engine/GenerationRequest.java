package dev.tributary.model.engine;

import dev.tributary.model.Image;
import dev.tributary.model.Require;
import java.util.List;
import java.util.Objects;

/**
 * Continue {@code prefix} (a prompt, possibly followed by earlier segments) for at most {@code maxNewTokens}.
 *
 * @param seed         the random stream of this request: the draw for the token at sequence position p depends
 *                     only on (seed, p), so a generation resumed from its own prefix continues identically
 * @param repeatNgram  n-gram length for repetition detection (0 disables)
 * @param repeatLimit  stop with REPEAT once the newest n-gram has occurred this many times in the response
 * @param responseStart where the response begins in {@code prefix} (the prompt's length): a resumed request's
 *                     earlier segments belong to the response, so repetition is counted over them too, exactly as
 *                     in an uninterrupted generation
 * @param images       the prompt's images, placed before the prefix's tokens (empty for a text prompt)
 */
public record GenerationRequest(String id, int[] prefix, int maxNewTokens, Sampling sampling, long seed,
                                int repeatNgram, int repeatLimit, int responseStart, List<Image> images) {
    /** A request for a text prompt. */
    public GenerationRequest(String id, int[] prefix, int maxNewTokens, Sampling sampling, long seed,
                             int repeatNgram, int repeatLimit, int responseStart) {
        this(id, prefix, maxNewTokens, sampling, seed, repeatNgram, repeatLimit, responseStart, List.of());
    }

    /** A request whose prefix is the prompt alone. */
    public GenerationRequest(String id, int[] prefix, int maxNewTokens, Sampling sampling, long seed,
                             int repeatNgram, int repeatLimit) {
        this(id, prefix, maxNewTokens, sampling, seed, repeatNgram, repeatLimit,
                Objects.requireNonNull(prefix, "prefix of request " + id).length);
    }

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
        if (responseStart < 1 || responseStart > prefix.length) {
            throw new IllegalArgumentException("response start " + responseStart + " of request " + id
                    + " must be within its prefix of " + prefix.length + " tokens (after at least the BOS token)");
        }
        images = List.copyOf(Objects.requireNonNull(images, "images of request " + id));
        prefix = prefix.clone();
    }

    /** This request with the prompt's {@code images} before its prefix. */
    public GenerationRequest withImages(List<Image> images) {
        return new GenerationRequest(id, prefix, maxNewTokens, sampling, seed, repeatNgram, repeatLimit, responseStart,
                images);
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
