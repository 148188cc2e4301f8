/*
 * Raw frames for listener tests that must control the bytes on the wire
 * (half-sent frames, pauses between frames): a 2-byte big-endian length and
 * an ISO 8583:1987 body, written by hand so that nothing here needs ISOMsg.
 */
package org.accrue.processor.listener;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import org.accrue.processor.testing.Requests;

final class Frames {
    private Frames() {
    }

    /** An 0800 echo test (DE70 301) with this STAN: MTI, primary and secondary bitmaps, DE7, DE11, DE70. */
    static byte[] echo(String stan) {
        byte[] primary = new byte[8];
        primary[0] = (byte) 0x82; // bit 1 (secondary bitmap present), bit 7
        primary[1] = (byte) 0x20; // bit 11
        byte[] secondary = new byte[8];
        secondary[0] = (byte) 0x04; // bit 70
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("0800".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(primary);
        b.writeBytes(secondary);
        b.writeBytes(Requests.DE7.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(stan.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("301".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    static byte[] framed(byte[] body) {
        byte[] f = new byte[body.length + 2];
        f[0] = (byte) (body.length >> 8);
        f[1] = (byte) body.length;
        System.arraycopy(body, 0, f, 2, body.length);
        return f;
    }

    static void write(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one frame and returns its MTI. */
    static String readMti(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] body = new byte[in.readUnsignedShort()];
        in.readFully(body);
        return new String(body, 0, 4, StandardCharsets.US_ASCII);
    }

    /**
     * Whether the peer closed the connection (end of stream, or a reset) before the socket's read timeout ran out.
     * False when the read timed out with the connection still open; a byte received is a test failure.
     */
    static boolean closedByPeer(Socket s) throws IOException {
        try {
            int b = s.getInputStream().read();
            if (b != -1) {
                throw new AssertionError("expected the connection to be closed, received byte " + b);
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}
