/*
 * A throwaway certificate authority and a server certificate signed by it, made with the openssl command line
 * (shipped with every Debian MariaDB server): what a test or bench run needs to put TLS in front of a database
 * it starts. The server certificate names 127.0.0.1 and localhost (subjectAltName), so a client that checks host
 * names (verify-full) accepts it on loopback. Keys are RSA 2048 (0.1 s each here), valid for two days, mode 0600.
 */
package org.accrue.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public record Certificates(Path caCert, Path serverCert, Path serverKey) {
    private static final long OPENSSL_TIMEOUT_SECONDS = 60;
    private static final int VALIDITY_DAYS = 2;

    /** A CA named {@code caName} and a server certificate for 127.0.0.1 and localhost, written under {@code dir}. */
    public static Certificates make(Path dir, String caName) throws IOException {
        Files.createDirectories(dir);
        Path caKey = dir.resolve("ca.key");
        Path caCert = dir.resolve("ca.pem");
        Path key = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        Path cert = dir.resolve("server.pem");
        Path ext = dir.resolve("server.ext");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", caCert.toString(),
                "-days", String.valueOf(VALIDITY_DAYS), "-subj", "/CN=" + caName);
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
                "-subj", "/CN=127.0.0.1");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", String.valueOf(VALIDITY_DAYS),
                "-extfile", ext.toString());
        for (Path secret : List.of(caKey, key)) {
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
        return new Certificates(caCert, cert, key);
    }

    private static void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(OPENSSL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("openssl " + args[0] + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}
