/*
 * Reads, validates and applies a confirmation file in one pass, on as many
 * connections as there are parts (accrue.reconciliation.apply-parts, 4 by
 * default: more transactions than a small node has cores, so that MariaDB
 * has a statement to run while a part's thread judges its next chunk;
 * measured on 2 cores, 2 parts 10.3-10.7 s for a million lines, 4 parts
 * 9.0-10.7 s).
 *
 * Each line goes to a part by the reward its credit id names (C<reward>, or
 * C<reward>-R<n> when resent): every row a line touches (its credit, the
 * credit's outcome, the reward) belongs to one part only, so the parts never
 * wait on each other's rows, and the lines of one credit are judged in file
 * order by one part (a second one is a DUPLICATE).
 *
 * Each part is one transaction. Nothing commits before the whole file has
 * been read and validated: a bad file rolls every part back. Then the parts
 * commit one after the other, each with its marker row (confirmation_part),
 * the last one with the import's APPLIED status. A node that dies between two
 * commits leaves the import RECEIVED with some markers: processing it again
 * applies only the parts without one, split as the markers say (their part
 * count), whatever the configured count is by then.
 */
package org.accrue.processor.confirmations;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.Confirmation;
import org.accrue.reconciliation.files.ConfirmationFileReader;
import org.accrue.reconciliation.files.FileRejectedException;

final class ConfirmationParts {
    /** Chunks waiting per part: bounds memory to a few chunks whatever the file's size. */
    private static final int QUEUED_CHUNKS_MAX = 2;
    private static final List<Confirmation> END = List.of();

    /** What became of a file: applied, refused by the reader, or the same content as an applied file. */
    sealed interface Result {
        record Applied(ConfirmationFileReader.Summary summary, OutcomeCounts outcomes) implements Result {
        }

        record Rejected(FileRejectedException reason) implements Result {
        }

        record Replay(ConfirmationFileReader.Summary summary, String appliedBy) implements Result {
        }
    }

    /** Writes the import's final status in the last part's transaction. */
    @FunctionalInterface
    interface Finish {
        void applied(Connection c, ConfirmationFileReader.Summary summary, OutcomeCounts outcomes) throws SQLException;
    }

    /** Finds an applied import with the same content, or null. */
    @FunctionalInterface
    interface ReplayCheck {
        String appliedBy(ConfirmationFileReader.Summary summary);
    }

    private final DataSource ds;
    /** Parts for an import that has none committed yet. */
    private final int parts;
    private final int chunkLines;
    /** Called after each part's commit; tests use it to stop between two commits, as a node that dies would. */
    private final java.util.function.IntConsumer committed;

    ConfirmationParts(DataSource ds, int parts, int chunkLines, java.util.function.IntConsumer committed) {
        if (parts < 1 || chunkLines < 1) {
            throw new IllegalArgumentException("at least one part and one line per chunk");
        }
        this.ds = ds;
        this.parts = parts;
        this.chunkLines = chunkLines;
        this.committed = committed;
    }

    /** The part of a credit id: by the reward it names, so that a reward's credits share one. */
    static int partOf(String creditId, int parts) {
        long key = 0;
        int i = creditId.startsWith("C") ? 1 : 0;
        int digits = 0;
        for (; i < creditId.length() && Character.isDigit(creditId.charAt(i)) && digits < 18; i++, digits++) {
            key = key * 10 + (creditId.charAt(i) - '0');
        }
        // Mixed before the modulo: reward ids come from a sequence that steps by 50, so their low bits all agree.
        long mixed = (key * 0x9E3779B97F4A7C15L) >>> 32;
        return digits > 0 ? (int) (mixed % parts) : Math.floorMod(creditId.hashCode(), parts);
    }

    private final class Part {
        final int no;
        final Connection c;
        final ConfirmationApply apply;
        final BlockingQueue<List<Confirmation>> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS_MAX);
        List<Confirmation> buffer = new ArrayList<>();

        Part(int no, Connection c, ConfirmationApply apply) {
            this.no = no;
            this.c = c;
            this.apply = apply;
        }

        void take(Confirmation line) throws InterruptedException {
            buffer.add(line);
            if (buffer.size() == chunkLines) {
                queue.put(buffer);
                buffer = new ArrayList<>();
            }
        }

        /** Applies chunks until END; after a failure it only drains, so that the reader never blocks on it. */
        Void work() throws Exception {
            Exception failed = null;
            while (true) {
                List<Confirmation> chunk = queue.take();
                if (chunk == END) {
                    break;
                }
                if (failed == null) {
                    try {
                        for (Confirmation line : chunk) {
                            apply.line(line);
                        }
                    } catch (SQLException | RuntimeException e) {
                        failed = e;
                    }
                }
            }
            if (failed != null) {
                throw failed;
            }
            apply.flush();
            return null;
        }
    }

    /**
     * Reads the work copy once: validates it, and applies its lines on the parts not applied yet. Commits only a
     * valid file that no applied import had; returns what became of it.
     */
    Result apply(String importId, String issuerId, Path plain, org.accrue.processor.Progress progress, Instant now,
                 ReplayCheck replay, Finish finish) throws IOException {
        Map<Integer, Marker> done = markers(importId);
        int split = done.isEmpty() ? parts : done.values().iterator().next().parts();
        List<Part> open = new ArrayList<>();
        Part[] byNo = new Part[split];
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int p = 0; p < split; p++) {
                if (done.containsKey(p)) {
                    continue;
                }
                Connection c = ds.getConnection();
                try {
                    c.setAutoCommit(false);
                    byNo[p] = new Part(p, c, new ConfirmationApply(c, importId, issuerId, now, chunkLines));
                } catch (SQLException | RuntimeException e) {
                    c.close();
                    throw e;
                }
                open.add(byNo[p]);
            }
            List<Future<Void>> running = new ArrayList<>();
            for (Part part : open) {
                running.add(workers.submit(part::work));
            }
            ConfirmationFileReader.Summary summary;
            FileRejectedException rejected = null;
            // Read no faster than the parts apply (each queue holds two chunks): bytes read are lines applied.
            try (InputStream in = new BufferedInputStream(progress.reading(Files.newInputStream(plain), Files.size(plain)),
                    1 << 16)) {
                summary = ConfirmationFileReader.read(in, issuerId, line -> {
                    Part part = byNo[partOf(line.creditId(), split)];
                    if (part != null) {
                        part.take(line);
                    }
                });
            } catch (FileRejectedException e) {
                summary = null;
                rejected = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading " + importId, e);
            } finally {
                for (Part part : open) {
                    try {
                        if (!part.buffer.isEmpty()) {
                            part.queue.put(part.buffer);
                        }
                        part.queue.put(END);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            for (Future<Void> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof SQLException s ? new Sql.StoreException(s)
                            : e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while applying " + importId, e);
                }
            }
            if (rejected != null) {
                rollback(open);
                return new Result.Rejected(rejected);
            }
            String appliedBy = replay.appliedBy(summary);
            if (appliedBy != null) {
                rollback(open);
                return new Result.Replay(summary, appliedBy);
            }
            OutcomeCounts all = OutcomeCounts.NONE;
            long lines = 0;
            for (Marker m : done.values()) {
                all = all.plus(m.outcomes);
                lines += m.lines;
            }
            for (Part part : open) {
                all = all.plus(part.apply.counts());
                lines += part.apply.lines();
                if (log.isDebugEnabled()) {
                    log.debug("applied {} part {}: {}", importId, part.no, part.apply.timings());
                }
            }
            OutcomeCounts outcomes = all;
            if (lines != summary.count()) {
                rollback(open);
                throw new IllegalStateException("applied " + lines + " lines of a file of " + summary.count());
            }
            for (int i = 0; i < open.size(); i++) {
                Part part = open.get(i);
                mark(part.c, importId, part.no, split, part.apply.lines(), part.apply.counts(), now);
                if (i == open.size() - 1) {
                    finish.applied(part.c, summary, outcomes);
                }
                part.c.commit();
                committed.accept(part.no);
            }
            if (open.isEmpty()) { // every part had committed before: only the status was left
                ConfirmationFileReader.Summary read = summary;
                Sql.inTransaction(ds, c -> {
                    finish.applied(c, read, outcomes);
                    return null;
                });
            }
            return new Result.Applied(summary, outcomes);
        } catch (SQLException e) {
            rollback(open);
            throw new Sql.StoreException(e);
        } catch (RuntimeException | IOException e) {
            rollback(open);
            throw e;
        } finally {
            workers.close(); // every worker ends: END is queued to each once reading stops, whatever happened
            for (Part part : open) {
                try {
                    part.apply.close();
                    part.c.close();
                } catch (SQLException e) {
                    log.warn("closing part {} of {}: {}", part.no, importId, e.toString());
                }
            }
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConfirmationParts.class);

    private static void rollback(List<Part> open) {
        for (Part part : open) {
            try {
                if (!part.c.isClosed()) {
                    part.c.rollback();
                }
            } catch (SQLException e) {
                log.warn("rolling back part {}: {}", part.no, e.toString());
            }
        }
    }

    /** A part committed earlier: its lines and outcomes. */
    private record Marker(int parts, long lines, OutcomeCounts outcomes) {
    }

    private Map<Integer, Marker> markers(String importId) {
        return Sql.inTransaction(ds, c -> {
            Map<Integer, Marker> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select part, parts, line_count, outcomes from confirmation_part "
                    + "where import_id = ?")) {
                ps.setString(1, importId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getInt(1), new Marker(rs.getInt(2), rs.getLong(3), OutcomeCounts.fromJson(rs.getString(4))));
                    }
                }
            }
            return out;
        });
    }

    private static void mark(Connection c, String importId, int part, int parts, long lines,
                             OutcomeCounts outcomes, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into confirmation_part (import_id, part, parts, line_count, "
                + "outcomes, applied_at) values (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, importId);
            ps.setInt(2, part);
            ps.setInt(3, parts);
            ps.setLong(4, lines);
            ps.setString(5, outcomes.toJson());
            ps.setTimestamp(6, Sql.ts(now));
            ps.executeUpdate();
        }
    }
}
