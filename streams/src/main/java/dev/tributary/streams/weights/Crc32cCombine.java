package dev.tributary.streams.weights;

/**
 * CRC32C of concatenated byte sequences from the CRC32C of each part, without reading the bytes again: the
 * combination zlib's {@code crc32_combine} computes (polynomial arithmetic over GF(2) modulo the CRC polynomial),
 * here with CRC32C's reflected polynomial. The JDK's {@link java.util.zip.CRC32C} has no such operation. It lets the
 * receiver derive a chunk payload's CRC from the chunk's CRC and its header's, and the whole vector's CRC from the
 * payloads', so the whole-vector checksum costs a few dozen operations per chunk instead of a second pass over
 * every byte.
 */
final class Crc32cCombine {
    /** CRC32C's polynomial 0x1EDC6F41, bit-reversed. */
    private static final int POLY = 0x82F63B78;
    /** x^(2^k) modulo the polynomial, k = 0..31 (reflected: bit 31 is x^0). */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int k = 1; k < 32; k++) {
            p = multiplyModP(p, p);
            X2N[k] = p;
        }
    }

    private Crc32cCombine() {
    }

    /** The CRC32C of A followed by B, from {@code crcA}, {@code crcB} and the length of B in bytes. */
    static int combine(int crcA, int crcB, long lengthB) {
        return shift(crcA, lengthB) ^ crcB;
    }

    /**
     * The CRC32C of B alone, from the CRC32C of A followed by B, the CRC32C of A and the length of B: the inverse of
     * {@link #combine} in its second argument (combination is an exclusive or).
     */
    static int suffix(int crcAB, int crcA, long lengthB) {
        return crcAB ^ shift(crcA, lengthB);
    }

    /** {@code crc} multiplied by x^(8 * bytes) modulo the polynomial. */
    private static int shift(int crc, long bytes) {
        int p = 1 << 31; // x^0
        int k = 3; // x^(8n) = x^(n * 2^3)
        for (long n = bytes; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) {
                p = multiplyModP(X2N[k & 31], p);
            }
        }
        return multiplyModP(p, crc);
    }

    /** a times b modulo the polynomial, both reflected. */
    private static int multiplyModP(int a, int b) {
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    return p;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
    }
}
