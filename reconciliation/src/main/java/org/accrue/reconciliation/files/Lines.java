/*
 * The lines of a file, one at a time, in constant memory: bytes are read in
 * blocks, hashed (SHA-256) as they come, split at '\n', and each line is
 * decoded on its own, so a bad UTF-8 sequence and an overlong line are
 * reported with their own line number. One '\r' before the '\n' is dropped
 * (files written on Windows); a last line without '\n' is still a line.
 */
package org.accrue.reconciliation.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

final class Lines {
    private static final int BLOCK_BYTES = 1 << 16;

    private final InputStream in;
    private final int lineBytesMax;
    private final MessageDigest digest = StatementCreditFileWriter.sha256();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] block = new byte[BLOCK_BYTES];
    private final byte[] line;
    private int pos;
    private int limit;
    private boolean eof;
    private long lineNo;
    private long bytes;

    Lines(InputStream in, int lineBytesMax) {
        this.in = in;
        this.lineBytesMax = lineBytesMax;
        this.line = new byte[lineBytesMax + 1]; // room for a '\r' that is dropped
    }

    /** The number of the line last returned (1-based), or of the line that broke. */
    long lineNo() {
        return lineNo;
    }

    /** The next line without its line end, or null at the end of the input. */
    String next() throws IOException, FileRejectedException {
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == limit && !fill()) {
                if (!any) {
                    return null;
                }
                lineNo++;
                return decode(n);
            }
            any = true;
            byte b = block[pos++];
            if (b == '\n') {
                lineNo++;
                return decode(n);
            }
            if (n == line.length) {
                throw new FileRejectedException(FileRejectedException.Reason.LINE_TOO_LONG, lineNo + 1,
                        "longer than " + lineBytesMax + " bytes");
            }
            line[n++] = b;
        }
    }

    /** Whether any byte is left after the last line returned. */
    boolean hasMore() throws IOException {
        return pos < limit || fill();
    }

    /** Bytes read so far. */
    long bytes() {
        return bytes;
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int r = in.read(block);
        while (r == 0) {
            r = in.read(block); // a stream may return 0; it never does so for ever
        }
        if (r < 0) {
            eof = true;
            return false;
        }
        digest.update(block, 0, r);
        bytes += r;
        pos = 0;
        limit = r;
        return true;
    }

    private String decode(int n) throws FileRejectedException {
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n > lineBytesMax) {
            throw new FileRejectedException(FileRejectedException.Reason.LINE_TOO_LONG, lineNo,
                    "longer than " + lineBytesMax + " bytes");
        }
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (line[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(line, 0, n, StandardCharsets.ISO_8859_1); // the fast path: most lines are ASCII
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(line, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new FileRejectedException(FileRejectedException.Reason.NOT_UTF8, lineNo, "not valid UTF-8");
        }
    }
}
