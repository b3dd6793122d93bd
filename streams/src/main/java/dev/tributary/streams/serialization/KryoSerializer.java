package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.ByteBufferOutput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import java.io.NotSerializableException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.SortedMap;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import scala.Option;

/**
 * Pekko serializer for every remote message, on Kryo 5 with explicit registration. Declared in this module's
 * {@code reference.conf} as {@code pekko.actor.serializers.tributary-kryo}; message types are bound to it where the
 * cluster is wired.
 *
 * <p><b>No manifest</b> ({@link #includeManifest()} is false): Kryo writes the registered id of the class first, a
 * one- or two-byte varint, so a manifest would only repeat it at the cost of a class-name string per message, and
 * class names never travel. The ids are the format; they come from the {@link KryoRegistrar}s listed in
 * {@code tributary.serialization.registrars}, validated when the serializer is created (at actor-system start-up):
 * a clash of ids or classes stops the node with both named. Writing an unregistered class fails naming it and where
 * to register it; reading an unknown id fails, and nothing is ever loaded by class name or through Java
 * serialization.
 *
 * <p>Artery uses the {@link ByteBufferSerializer} path, writing straight into its envelope buffer; a message that
 * does not fit throws {@link BufferOverflowException}, which Artery reports as an oversized payload. Kryo instances
 * are not thread-safe: each call borrows one from a {@link Pool}.
 */
public final class KryoSerializer implements Serializer, ByteBufferSerializer {
    /** Fixed forever: nodes pick the deserializer by this number. Pekko keeps 0-40 for itself. */
    public static final int IDENTIFIER = 1_702_501;

    private static final int INITIAL_BUFFER = 4 * 1024;
    /** A pooled output that grew past this for one large message is replaced rather than kept. */
    private static final int RETAINED_BUFFER = 1 << 20;

    private final KryoRegistry registry;
    private final Pool<Codec> pool;

    /** One Kryo with its reusable inputs and outputs; used by one thread at a time. */
    private static final class Codec {
        final Kryo kryo;
        Output output = new Output(INITIAL_BUFFER, -1);
        final Input input = new Input();
        final ByteBufferOutput bufferOutput = new ByteBufferOutput();
        final ByteBufferInput bufferInput = new ByteBufferInput();

        Codec(Kryo kryo) {
            this.kryo = kryo;
        }
    }

    public KryoSerializer(ExtendedActorSystem system) {
        this(KryoRegistry.load(system.settings().config(), system));
    }

    KryoSerializer(KryoRegistry registry) {
        this.registry = registry;
        this.pool = new Pool<>(/* threadSafe= */ true, /* softReferences= */ false,
                2 * Runtime.getRuntime().availableProcessors()) {
            @Override
            protected Codec create() {
                return new Codec(registry.newKryo());
            }
        };
    }

    /** The instance the actor system's serialization extension created (it must be declared, as in reference.conf). */
    public static KryoSerializer get(ClassicActorSystemProvider system) {
        Option<Serializer> s = SerializationExtension.get(system.classicSystem()).serializerByIdentity()
                .get(IDENTIFIER);
        if (s.isEmpty() || !(s.get() instanceof KryoSerializer k)) {
            throw new IllegalStateException("no " + KryoSerializer.class.getName() + " with identifier " + IDENTIFIER
                    + " in this actor system; declare it under pekko.actor.serializers");
        }
        return k;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    /** Every registered class (and hierarchy base) by id: the wire format at a glance. */
    public SortedMap<Integer, Class<?>> registrations() {
        return registry.classesById();
    }

    @Override
    public byte[] toBinary(Object o) {
        Codec c = pool.obtain();
        boolean healthy = false;
        try {
            c.output.reset();
            c.kryo.writeClassAndObject(c.output, o);
            byte[] bytes = c.output.toBytes();
            healthy = true;
            return bytes;
        } catch (KryoException | IllegalArgumentException e) {
            throw refusedWrite(o, e);
        } finally {
            release(c, healthy);
        }
    }

    @Override
    public void toBinary(Object o, ByteBuffer buf) {
        Codec c = pool.obtain();
        boolean healthy = false;
        try {
            // A slice: Kryo sets its own byte order and never writes past what Artery left free.
            ByteBuffer target = buf.slice();
            c.bufferOutput.setBuffer(target, target.capacity());
            ImageSerializer.reset(c.kryo);
            c.kryo.writeClassAndObject(c.bufferOutput, o);
            c.bufferOutput.flush();
            buf.position(buf.position() + c.bufferOutput.position());
            healthy = true;
        } catch (KryoBufferOverflowException e) {
            long images = ImageSerializer.bytesWritten(c.kryo);
            if (images > 0) {
                // Artery would drop it with a generic line; say which images made it too large and what to change.
                throw new IllegalArgumentException("cannot send " + o.getClass().getName() + ": it does not fit the "
                        + buf.remaining() + " bytes Artery's frame leaves (pekko.remote.artery.advanced."
                        + "maximum-frame-size), and it carries at least " + images + " bytes of images; "
                        + "expected smaller or fewer images per message, or a larger maximum-frame-size", e);
            }
            BufferOverflowException overflow = new BufferOverflowException();
            overflow.initCause(e);
            throw overflow;
        } catch (KryoException | IllegalArgumentException e) {
            throw refusedWrite(o, e);
        } finally {
            c.bufferOutput.setBuffer(ByteBuffer.allocate(0), 0);
            release(c, healthy);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, Option<Class<?>> manifest) throws NotSerializableException {
        Codec c = pool.obtain();
        boolean healthy = false;
        try {
            c.input.setBuffer(bytes);
            Object o = c.kryo.readClassAndObject(c.input);
            if (c.input.position() != bytes.length) {
                throw new KryoException((bytes.length - c.input.position()) + " bytes left after a "
                        + (o == null ? "null" : o.getClass().getName()));
            }
            healthy = true;
            return o;
        } catch (KryoException | IllegalArgumentException e) {
            throw refusedRead(bytes.length, e);
        } finally {
            c.input.setBuffer(new byte[0]);
            release(c, healthy);
        }
    }

    @Override
    public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
        Codec c = pool.obtain();
        boolean healthy = false;
        int size = buf.remaining();
        try {
            c.bufferInput.setBuffer(buf.slice());
            Object o = c.kryo.readClassAndObject(c.bufferInput);
            buf.position(buf.position() + c.bufferInput.position());
            healthy = true;
            return o;
        } catch (KryoException | IllegalArgumentException e) {
            throw refusedRead(size, e);
        } finally {
            c.bufferInput.setBuffer(ByteBuffer.allocate(0));
            release(c, healthy);
        }
    }

    /** A codec that failed mid-message may hold half-reset Kryo state: it is dropped, not pooled. */
    private void release(Codec c, boolean healthy) {
        if (!healthy) {
            return;
        }
        if (c.output.getBuffer().length > RETAINED_BUFFER) {
            c.output = new Output(INITIAL_BUFFER, -1);
        }
        pool.free(c);
    }

    private static IllegalArgumentException refusedWrite(Object o, RuntimeException e) {
        return new IllegalArgumentException("cannot serialize " + o.getClass().getName() + " with "
                + KryoSerializer.class.getSimpleName() + ": " + explain(e), e);
    }

    private static NotSerializableException refusedRead(int bytes, RuntimeException e) {
        NotSerializableException n = new NotSerializableException("cannot deserialize a message of " + bytes
                + " bytes with " + KryoSerializer.class.getSimpleName() + ": " + explain(e));
        n.initCause(e);
        return n;
    }

    /** The root cause's message, followed by Kryo's trace of the fields that led to it. */
    private static String explain(RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.toString() : root.getMessage();
        String full = e.getMessage();
        int trace = full == null ? -1 : full.indexOf("Serialization trace:");
        if (trace < 0) {
            return text;
        }
        return text + " [" + full.substring(trace + "Serialization trace:".length()).strip().replace('\n', ';')
                .replace(";", "; ") + "]";
    }
}
