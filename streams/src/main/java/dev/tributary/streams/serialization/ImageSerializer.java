package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link Image} in Kryo, written once per message: the k samples of a prompt share its image instances, so the
 * first occurrence in a message (or checkpoint part) is written in full and every later one as its index, and the
 * reader hands back one shared instance. The index lives in Kryo's graph context, which Kryo clears after each
 * top-level object; other classes are written exactly as before (no reference markers). The bytes of every image
 * written go into the Kryo's context ({@link #bytesWritten}), so a message too large for Artery's frame can be
 * refused naming its images. Read back through the validating constructor (shape, values in [0, 1]).
 */
public final class ImageSerializer extends Serializer<Image> {
    private static final String WRITTEN = "tributary.image-bytes";
    private static final String SEEN = "tributary.images-seen";
    private static final String READ = "tributary.images-read";

    public ImageSerializer() {
        super(/* acceptsNull= */ false, /* immutable= */ true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void write(Kryo kryo, Output output, Image image) {
        Map<Image, Integer> seen = (Map<Image, Integer>) kryo.getGraphContext().get(SEEN);
        if (seen == null) {
            seen = new IdentityHashMap<>();
            kryo.getGraphContext().put(SEEN, seen);
        }
        Integer index = seen.get(image);
        if (index != null) {
            output.writeVarInt(index + 1, true);
            return;
        }
        seen.put(image, seen.size());
        output.writeVarInt(0, true);
        output.writeVarInt(image.height(), true);
        output.writeVarInt(image.width(), true);
        output.writeVarInt(image.channels(), true);
        // Counted first, so a message that overflows while writing its image still names it.
        kryo.getContext().put(WRITTEN, bytesWritten(kryo) + image.bytes());
        output.writeFloats(image.pixels(), 0, image.size());
    }

    @Override
    @SuppressWarnings("unchecked")
    public Image read(Kryo kryo, Input input, Class<? extends Image> type) {
        List<Image> read = (List<Image>) kryo.getGraphContext().get(READ);
        if (read == null) {
            read = new ArrayList<>();
            kryo.getGraphContext().put(READ, read);
        }
        int ref = input.readVarInt(true);
        if (ref > 0) {
            if (ref > read.size()) {
                throw new IllegalArgumentException("image reference " + ref + " on the wire; expected at most "
                        + read.size() + " (the images read so far in this message)");
            }
            return read.get(ref - 1);
        }
        int h = input.readVarInt(true);
        int w = input.readVarInt(true);
        int c = input.readVarInt(true);
        long n = (long) h * w * c;
        if (h < 1 || w < 1 || c < 1 || n * Float.BYTES > Prompt.MAX_IMAGE_BYTES) {
            throw new IllegalArgumentException("image of " + h + "×" + w + "×" + c + " on the wire; expected a shape "
                    + "of at most " + Prompt.MAX_IMAGE_BYTES + " bytes");
        }
        Image image = new Image(h, w, c, input.readFloats((int) n));
        read.add(image);
        return image;
    }

    /** Bytes of image values written (or being written) by {@code kryo} since {@link #reset}. */
    static long bytesWritten(Kryo kryo) {
        Object v = kryo.getContext().get(WRITTEN);
        return v == null ? 0 : (Long) v;
    }

    static void reset(Kryo kryo) {
        kryo.getContext().remove(WRITTEN);
    }
}
