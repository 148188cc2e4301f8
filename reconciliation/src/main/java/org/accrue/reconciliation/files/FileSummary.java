package org.accrue.reconciliation.files;

import java.nio.file.Path;

/** A finished file: its name and place, what its trailer says, and the SHA-256 of the bytes on disk. */
public record FileSummary(String fileName, Path path, long count, long sum, String sha256, boolean encrypted) {
}
