/*
 * Applies a validated confirmation file inside the caller's transaction, a
 * chunk of lines at a time, in file order. For each chunk:
 *   1. the credits its lines name are read by primary key and locked;
 *   2. each line is judged in Java by Reconciler, the reference rules, against
 *      the credit as it stands after every earlier line: a second line for a
 *      credit is a DUPLICATE (within the chunk through the credit's outcome in
 *      memory, across chunks and files through its credit_reconciliation row);
 *   3. the chunk's writes go in a few round trips: a credit_reconciliation
 *      row per judged credit (JDBC batches, sent in bulk), the rewards of
 *      MATCHED credits POSTED in one UPDATE by id ranges, and for every other
 *      outcome (rare) its evidence and its exception for ops.
 * Almost every line is a credit's first answer, so a chunk is first tried as
 * such: the credits are read without their outcome rows, and each outcome is
 * a plain insert. A credit that had an outcome already (a second file, a line
 * two chunks later, LATE after MISSING) makes that insert fail on the primary
 * key; the chunk is then rolled back to its savepoint and done again with the
 * outcomes read, so the result is the same either way. Not reading the
 * outcome rows saves a keyed lookup per line (measured: 3.3 s -> 2.7 s per
 * half of a million-line file).
 * Only lines that are not MATCHED are kept in confirmation_line, as the
 * evidence behind their exception: a MATCHED line says exactly what was sent,
 * and its credit_reconciliation row keeps the posted date and the import
 * that confirmed it.
 * Memory is one chunk, whatever the size of the file.
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Reward;
import org.accrue.reconciliation.files.Confirmation;
import org.accrue.reconciliation.matching.Outcome;
import org.accrue.reconciliation.matching.Reconciler;

final class ConfirmationApply implements AutoCloseable {
    /** Lines judged and written per round of statements. */
    static final int CHUNK_LINES = 5_000;
    private static final DateTimeFormatter SQL_TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    /** A sent credit as this transaction sees it; outcome follows the lines already judged. */
    private static final class Sent {
        String creditId;
        String kind;
        long rewardId;
        long cardId;
        String last4;
        String accountRef;
        long amount;
        String currency;
        Outcome outcome;
    }

    private final Connection c;
    private final String importId;
    private final String issuerId;
    /** The issuer's last filed batch, read at the first chunk; -1 before. */
    private long filedThrough = -1;
    private final Instant now;
    private final Timestamp at;
    private final int chunkLines;
    private final List<Confirmation> chunk = new ArrayList<>();
    private final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    private final PreparedStatement creditRow;
    private final PreparedStatement firstRow;
    private final PreparedStatement matchedRow;
    private final PreparedStatement evidence;
    private final PreparedStatement exceptions;
    private final List<Exceptions.Raise> raised = new ArrayList<>(); // the batch's, for their webhook events
    private final PreparedStatement lateAudit;
    private final PreparedStatement lateResolve;
    /** Where the time goes, in nanoseconds: reading credits, judging, credits written, rewards written, the rest. */
    private final long[] nanos = new long[5];

    /** {@code chunkLines}: CHUNK_LINES in production; tests use a tiny one to cross chunk boundaries with a few lines. */
    ConfirmationApply(Connection c, String importId, String issuerId, Instant now, int chunkLines) throws SQLException {
        if (chunkLines < 1) {
            throw new IllegalArgumentException("chunkLines must be at least 1");
        }
        // The import id is written into the MATCHED insert's text (below): checked before any statement is prepared.
        if (!importId.matches("[A-Za-z0-9_]{1,40}")) {
            throw new IllegalArgumentException("not an import id: " + importId);
        }
        this.chunkLines = chunkLines;
        this.c = c;
        this.importId = importId;
        this.issuerId = issuerId;
        this.now = now;
        this.at = Sql.ts(now);
        String outcome = "insert into credit_reconciliation (outcome, confirmed_status, confirmed_account_ref, "
                + "confirmed_amount, confirmed_currency, confirmed_reason, posted_date, confirmation_import_id, reconciled_at, "
                + "credit_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        // A first outcome that is not MATCHED; fails on the primary key if the credit had one after all.
        this.firstRow = c.prepareStatement(outcome);
        // With the outcomes read: a first outcome is a new row; LATE replaces the MISSING row the reconciliation job wrote.
        this.creditRow = c.prepareStatement(outcome + " on duplicate key update outcome = values(outcome), "
                + "confirmed_status = values(confirmed_status), confirmed_account_ref = values(confirmed_account_ref), "
                + "confirmed_amount = values(confirmed_amount), confirmed_currency = values(confirmed_currency), "
                + "confirmed_reason = values(confirmed_reason), posted_date = values(posted_date), "
                + "confirmation_import_id = values(confirmation_import_id), reconciled_at = values(reconciled_at)");
        // Nearly every line is this one: what is the same for the whole import is written into the statement, and the
        // date goes as text, which spares the driver its calendar arithmetic on every row (a tenth of this JVM's time).
        this.matchedRow = c.prepareStatement("insert into credit_reconciliation (credit_id, outcome, confirmation_import_id, "
                + "posted_date, reconciled_at) values (?, 'MATCHED', '" + importId + "', ?, '"
                + SQL_TIMESTAMP.format(LocalDateTime.ofInstant(now, ZoneOffset.UTC)) + "')");
        this.evidence = c.prepareStatement("insert into confirmation_line (import_id, line_no, kind, credit_id, account_ref, "
                + "amount, currency, status, reason, posted_date, outcome, judged) values (?, ?, 'D', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.exceptions = Exceptions.batch(c);
        // LATE resolves the MISSING exception, with its audit line (the audit first: it names the open exception).
        this.lateAudit = c.prepareStatement("insert into exception_audit (exception_id, action, actor, reason, detail, at) "
                + "select e.id, 'RESOLVE_LATE', 'reconciliation', ?, null, ? from processing_exception e "
                + "where e.type = '" + Type.RECON_MISSING.name() + "' and e.fingerprint = ? and e.status <> 'RESOLVED'");
        this.lateResolve = c.prepareStatement("update processing_exception set status = 'RESOLVED', resolution = '"
                + Exceptions.Resolution.LATE.name() + "', "
                + "resolution_reason = ?, resolved_by = 'reconciliation', resolved_at = ? where type = '"
                + Type.RECON_MISSING.name() + "' "
                + "and fingerprint = ? and status <> 'RESOLVED'");
    }

    /** Takes the next detail line; a full chunk is applied at once. */
    void line(Confirmation line) throws SQLException {
        chunk.add(line);
        if (chunk.size() == chunkLines) {
            flush();
        }
    }

    /** The lines applied so far, by outcome (a LATE line counts as LATE whatever it says). */
    OutcomeCounts counts() {
        return new OutcomeCounts(counts);
    }

    long lines() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Applies the lines taken since the last chunk. */
    void flush() throws SQLException {
        if (chunk.isEmpty()) {
            return;
        }
        Savepoint before = c.setSavepoint();
        try {
            apply(false);
        } catch (SQLException e) {
            if (!duplicateKey(e)) {
                throw e;
            }
            // Some credit of the chunk had an outcome already: judge the chunk again against the stored outcomes.
            clearBatches();
            c.rollback(before);
            apply(true);
        }
        c.releaseSavepoint(before);
        chunk.clear();
    }

    /** Judges and writes the chunk; {@code outcomesRead}: with the credits' stored outcomes, else as first answers. */
    private void apply(boolean outcomesRead) throws SQLException {
        long t0 = System.nanoTime();
        Map<String, Sent> sent = credits(outcomesRead);
        long t1 = System.nanoTime();
        Map<Outcome, Long> judgedCounts = new EnumMap<>(Outcome.class);
        PreparedStatement outcomeRow = outcomesRead ? creditRow : firstRow;
        boolean matched = false;
        List<Pending> pending = new ArrayList<>();
        List<Long> posted = new ArrayList<>();
        List<Long> refused = new ArrayList<>();
        boolean rows = false;
        boolean late = false;
        for (Confirmation line : chunk) {
            Sent s = sent.get(line.creditId());
            Reconciler.Confirmed said = new Reconciler.Confirmed(line.creditId(), line.accountRef(), line.amount(),
                    line.currency(), line.status() == Confirmation.Status.POSTED);
            Reconciler.SentCredit credit = s == null ? null
                    : new Reconciler.SentCredit(s.creditId, s.accountRef, s.amount, s.currency, s.outcome);
            Outcome outcome = Reconciler.outcome(credit, said);
            judgedCounts.merge(outcome, 1L, Long::sum);
            if (outcome == Outcome.UNKNOWN) {
                evidence(line, outcome, null);
                raise(new Exceptions.Raise(Type.RECON_UNKNOWN, importId + ":" + line.lineNumber(), issuerId,
                        null, null, line.amount(), line.currency(), "confirmation for credit id " + line.creditId()
                        + " (line " + line.lineNumber() + "), which was never sent to " + issuerId, line.creditId(), null));
                continue;
            }
            if (outcome == Outcome.DUPLICATE) {
                evidence(line, outcome, null);
                pending.add(new Pending(s, Type.RECON_DUPLICATE, s.creditId + ":" + importId + ":" + line.lineNumber(),
                        line.amount(), line.currency(), "credit " + s.creditId + " confirmed again (" + line.status()
                        + ", line " + line.lineNumber() + ")"));
                continue;
            }
            Outcome judged = outcome == Outcome.LATE ? Reconciler.judge(credit, said) : outcome;
            s.outcome = outcome; // a later line of this chunk for the same credit is a DUPLICATE
            if (outcome == Outcome.MATCHED) {
                matchedRow.setString(1, s.creditId);
                matchedRow.setString(2, line.postedDate() == null ? null : line.postedDate().toString());
                matchedRow.addBatch();
                matched = true;
            } else {
                outcomeRow(outcomeRow, line, s, outcome);
                evidence(line, outcome, judged);
                rows = true;
            }
            if (outcome == Outcome.LATE) {
                String reason = "confirmed late by file " + importId;
                for (PreparedStatement ps : List.of(lateAudit, lateResolve)) {
                    ps.setString(1, reason);
                    ps.setTimestamp(2, at);
                    ps.setString(3, s.creditId);
                    ps.addBatch();
                }
                late = true;
            }
            if (judged == Outcome.MATCHED) {
                if (s.kind.equals("CREDIT")) {
                    posted.add(s.rewardId);
                }
            } else {
                if (judged == Outcome.REJECTED) {
                    refused.add(s.rewardId);
                }
                pending.add(new Pending(s, exceptionType(judged), s.creditId, s.amount, s.currency, detail(judged, s, line)));
            }
        }
        long t2 = System.nanoTime();
        // The outcome rows first: if one fails on the primary key, nothing else of the chunk has been sent.
        if (matched) {
            matchedRow.executeBatch();
        }
        if (rows) {
            outcomeRow.executeBatch();
        }
        long t3 = System.nanoTime();
        RewardBook.confirmPosted(c, posted, now);
        long t4 = System.nanoTime();
        cards(pending);
        for (Pending p : pending) {
            raise(new Exceptions.Raise(p.type, p.fingerprint, issuerId, p.credit.cardId, p.credit.last4,
                    p.amount, p.currency, p.detail, p.credit.creditId, p.credit.rewardId));
        }
        if (late) {
            lateAudit.executeBatch();
            lateResolve.executeBatch();
        }
        evidence.executeBatch();
        exceptions.executeBatch();
        org.accrue.processor.webhooks.ExceptionEvents.opened(c, now, raised);
        raised.clear();
        rewardsRejected(c, refused, now);
        long t5 = System.nanoTime();
        judgedCounts.forEach((o, n) -> counts.merge(o, n, Long::sum));
        nanos[0] += t1 - t0;
        nanos[1] += t2 - t1;
        nanos[2] += t3 - t2;
        nanos[3] += t4 - t3;
        nanos[4] += t5 - t4;
    }

    /** Whether {@code e}, or an exception chained to it, is MariaDB's duplicate key error (1062). */
    private static boolean duplicateKey(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (next.getErrorCode() == 1062) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void clearBatches() throws SQLException {
        for (PreparedStatement ps : statements()) {
            ps.clearBatch();
        }
    }

    private List<PreparedStatement> statements() {
        return List.of(creditRow, firstRow, matchedRow, evidence, exceptions, lateAudit, lateResolve);
    }

    /** Milliseconds spent reading credits, judging, writing credit rows, POSTED rewards, and the rest. */
    String timings() {
        return String.format("read credits %d ms, judge %d ms, credit rows %d ms, posted rewards %d ms, other %d ms",
                nanos[0] / 1_000_000, nanos[1] / 1_000_000, nanos[2] / 1_000_000, nanos[3] / 1_000_000, nanos[4] / 1_000_000);
    }

    /** The chunk's credits by id, locked: two files confirming one credit at once are judged one after the other. */
    private Map<String, Sent> credits(boolean outcomesRead) throws SQLException {
        Set<String> ids = new LinkedHashSet<>();
        for (Confirmation line : chunk) {
            ids.add(line.creditId());
        }
        Map<String, Sent> out = new HashMap<>(ids.size() * 2);
        // By primary key only (FORCE INDEX, both tables): a locking read that scanned a small table would lock, and
        // wait for, rows of the other part of the same import, which commits only after this one is done.
        String outcome = outcomesRead ? "r.outcome from statement_credit s force index (primary) "
                + "left join credit_reconciliation r force index (primary) on r.credit_id = s.credit_id "
                : "null from statement_credit s force index (primary) ";
        // Only a credit filed to this issuer can be confirmed by it (its batch is in a file: StatementCredits); anything
        // else is UNKNOWN to it. The filing is read once per apply, without a lock: the file confirmed was written before.
        if (filedThrough < 0) {
            filedThrough = StatementCredits.filedThrough(c, issuerId).orElse(0);
        }
        try (PreparedStatement ps = c.prepareStatement("select s.credit_id, s.kind, s.reward_id, s.account_ref, s.amount, "
                + "s.currency, " + outcome + "where s.credit_id in (" + Sql.marks(ids.size()) + ") and s.issuer_id = ? "
                + "and s.status = 'TO_FILE' and s.batch <= ? for update")) {
            int i = 1;
            for (String id : ids) {
                ps.setString(i++, id);
            }
            ps.setString(i++, issuerId);
            ps.setLong(i, filedThrough);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Sent s = new Sent();
                    s.creditId = rs.getString(1);
                    s.kind = rs.getString(2);
                    s.rewardId = rs.getLong(3);
                    s.accountRef = rs.getString(4);
                    s.amount = rs.getLong(5);
                    s.currency = rs.getString(6);
                    String stored = rs.getString(7);
                    s.outcome = stored == null ? null : Outcome.valueOf(stored);
                    out.put(s.creditId, s);
                }
            }
        }
        return out;
    }

    /** An exception for a sent credit, raised once the card behind the credit is read. */
    private record Pending(Sent credit, Type type, String fingerprint, Long amount, String currency, String detail) {
    }

    /** The exception a credit's judged outcome raises for ops; a MATCHED credit raises none. */
    static Type exceptionType(Outcome judged) {
        return switch (judged) {
            case REJECTED -> Type.RECON_REJECTED;
            case AMOUNT_MISMATCH -> Type.RECON_AMOUNT_MISMATCH;
            case ACCOUNT_MISMATCH -> Type.RECON_ACCOUNT_MISMATCH;
            case MISSING -> Type.RECON_MISSING;
            case DUPLICATE -> Type.RECON_DUPLICATE;
            case UNKNOWN -> Type.RECON_UNKNOWN;
            case LATE -> Type.RECON_LATE;
            case MATCHED -> throw new IllegalArgumentException("a MATCHED credit is no exception");
        };
    }

    private void raise(Exceptions.Raise r) throws SQLException {
        Exceptions.add(exceptions, r, now);
        raised.add(r);
    }

    /** The card (id, last four) of the credits that raise exceptions: read only for them, the rare ones. */
    private void cards(List<Pending> pending) throws SQLException {
        Map<String, Sent> byId = new HashMap<>();
        for (Pending p : pending) {
            byId.put(p.credit.creditId, p.credit);
        }
        if (byId.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(byId.keySet());
        try (PreparedStatement ps = c.prepareStatement("select credit_id, card_id, last4 from statement_credit "
                + "where credit_id in (" + Sql.marks(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setString(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Sent s = byId.get(rs.getString(1));
                    s.cardId = rs.getLong(2);
                    s.last4 = rs.getString(3);
                }
            }
        }
    }

    private void outcomeRow(PreparedStatement row, Confirmation line, Sent s, Outcome outcome) throws SQLException {
        int i = 1;
        row.setString(i++, outcome.name());
        row.setString(i++, line.status().name());
        row.setString(i++, line.accountRef());
        row.setLong(i++, line.amount());
        row.setString(i++, line.currency());
        row.setString(i++, line.reasonCode() == null ? null : line.reasonCode().name());
        row.setObject(i++, line.postedDate());
        row.setString(i++, importId);
        row.setTimestamp(i++, at);
        row.setString(i, s.creditId);
        row.addBatch();
    }

    private void evidence(Confirmation line, Outcome outcome, Outcome judged) throws SQLException {
        int i = 1;
        evidence.setString(i++, importId);
        evidence.setLong(i++, line.lineNumber());
        evidence.setString(i++, line.creditId());
        evidence.setString(i++, line.accountRef());
        evidence.setLong(i++, line.amount());
        evidence.setString(i++, line.currency());
        evidence.setString(i++, line.status().name());
        evidence.setString(i++, line.reasonCode() == null ? null : line.reasonCode().name());
        evidence.setObject(i++, line.postedDate());
        evidence.setString(i++, outcome.name());
        evidence.setString(i, judged == null ? null : judged.name());
        evidence.addBatch();
    }

    private static String detail(Outcome judged, Sent s, Confirmation line) {
        return switch (judged) {
            case REJECTED -> "the issuer rejected credit " + s.creditId + ": "
                    + (line.reasonCode() == null ? "OTHER" : line.reasonCode().name());
            case ACCOUNT_MISMATCH -> "credit " + s.creditId + " was sent for account " + s.accountRef
                    + ", the issuer posted it to " + line.accountRef();
            default -> "credit " + s.creditId + " was sent as " + org.accrue.rewards.money.Money.show(s.amount, s.currency)
                    + ", the issuer posted " + org.accrue.rewards.money.Money.show(line.amount(), line.currency());
        };
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : statements()) {
            ps.close();
        }
    }

    /** The issuer refused: each reward is REJECTED, its amount owed to the cardholder again (REJECT transaction). */
    static void rewardsRejected(Connection c, List<Long> rewardIds, Instant now) throws SQLException {
        if (rewardIds.isEmpty()) {
            return;
        }
        List<RewardBook.Change> rejected = new ArrayList<>(rewardIds.size());
        for (RewardBook.Row row : RewardBook.lock(c, rewardIds, EnumSet.of(Reward.Status.SENT, Reward.Status.POSTED))) {
            if (row.reward().status() == Reward.Status.POSTED) {
                continue; // posted and confirmed already: a later rejection line is a duplicate, handled as such
            }
            rejected.add(row.apply(r -> r.rejected(now)));
        }
        RewardBook.write(c, rejected, now);
    }
}
