/*
 * The owner of statement_credit and of the batches its credits are filed in
 * (statement_batch, statement_filing; migration V17). A credit is written once
 * and never updated: at insert it joins its issuer's open batch, read under a
 * shared lock that the posting transaction holds until it commits. The
 * statement-file job closes the open batch (one row: open_batch + 1; its
 * exclusive lock waits for the posting transactions in flight, so no credit
 * lands in a batch after it closed) and files every batch closed since the
 * last file. Filing a million credits is two one-row updates, where the claim
 * UPDATE of every credit it replaced took 13 s (bench/RESULTS.md).
 */
package org.accrue.processor.statements;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.accrue.processor.store.Sql;

public final class StatementCredits {
    /** A credit goes into its batch's file; a netted one (amount 0 after netting a clawback) never does. */
    public enum Status { TO_FILE, NETTED }

    /** A credit (positive) or a debit (negative: a clawback at an issuer that takes debits). */
    public enum Kind { CREDIT, DEBIT }

    /**
     * The account reference an erased card's credits keep (and a credit made for an erased card names): the file
     * format needs one, and an issuer refuses a credit to it.
     */
    public static final String ERASED_ACCOUNT_REF = "ERASED";

    /**
     * The join condition that names a credit's file ({@code s} a statement_credit, {@code f} a statement_file): the
     * issuer's file whose batch range holds the credit's batch. The one statement of that rule for every reader.
     */
    public static final String FILE_OF_CREDIT = "f.issuer_id = s.issuer_id and s.batch between f.batch_from and f.batch_to";

    /** The join condition of a credit ({@code s}) and its reward ({@code r}), a cash reward of the same card. */
    private static final String REWARD_OF_CREDIT = "r.id = s.reward_id and r.card_id = s.card_id";

    /**
     * The credits of a card, as "from ... " for a query that binds {@code r.card_id} and {@code r.unit_kind = 'CASH'}:
     * through the card's rewards (statement_credit has no index by card, V29: it was the one index posting wrote at a
     * random place). Every credit, debit and resend names its reward, a cash reward of the same card.
     */
    public static final String OF_CARD = "from reward r join statement_credit s on " + REWARD_OF_CREDIT + " ";

    /** Every column a credit is written with, in the order of each insert below. */
    private static final String INSERT = "insert into statement_credit (credit_id, reward_id, kind, issuer_id, card_id, "
            + "account_ref, last4, gross_amount, netted, amount, currency, statement_text, offer_id, purchase_date, status, "
            + "batch, created_at) ";

    /** The credits to file in the batches (filedThrough, through] of an issuer: three parameters, bound by {@link #bind}. */
    private static final String UNFILED = " from statement_credit where issuer_id = ? and batch > ? and batch <= ? "
            + "and status = 'TO_FILE'";

    /** A credit to write; {@code creditId} is "C<reward row>" (or "-R<n>" for a resend), "D<clawback>" for debits. */
    public record NewCredit(String creditId, long rewardId, Kind kind, String issuerId, long cardId, String accountRef,
                            String last4, long gross, long netted, long amount, String currency, String statementText,
                            String offerId, LocalDate purchaseDate) {
        Status status() {
            return kind == Kind.CREDIT && amount == 0 ? Status.NETTED : Status.TO_FILE;
        }
    }

    private StatementCredits() {
    }

    /** Writes credits in one JDBC batch per flush; each issuer's open batch is read (and share-locked) once. */
    public static Writer writer(Connection c) throws SQLException {
        return new Writer(c);
    }

    public static final class Writer implements AutoCloseable {
        private final Connection c;
        private final PreparedStatement insert;
        private final Map<String, Long> openBatches = new HashMap<>();
        private int pending;

        private Writer(Connection c) throws SQLException {
            this.c = c;
            this.insert = c.prepareStatement(INSERT + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }

        public void add(NewCredit n, Instant now) throws SQLException {
            Long batch = openBatches.get(n.issuerId());
            if (batch == null) {
                batch = openBatch(c, n.issuerId());
                openBatches.put(n.issuerId(), batch);
            }
            int i = 1;
            insert.setString(i++, n.creditId());
            insert.setLong(i++, n.rewardId());
            insert.setString(i++, n.kind().name());
            insert.setString(i++, n.issuerId());
            insert.setLong(i++, n.cardId());
            insert.setString(i++, n.accountRef());
            insert.setString(i++, n.last4());
            insert.setLong(i++, n.gross());
            insert.setLong(i++, n.netted());
            insert.setLong(i++, n.amount());
            insert.setString(i++, n.currency());
            insert.setString(i++, n.statementText());
            insert.setString(i++, n.offerId());
            insert.setObject(i++, n.purchaseDate());
            insert.setString(i++, n.status().name());
            insert.setLong(i++, batch);
            insert.setTimestamp(i, Sql.ts(now));
            insert.addBatch();
            pending++;
        }

        /** Sends what was added; call before the transaction commits. */
        public void flush() throws SQLException {
            if (pending > 0) {
                insert.executeBatch();
                pending = 0;
            }
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }

    /**
     * The issuer's open batch, share-locked until the caller commits: the file job's close waits for it. The first
     * credit of an issuer makes its rows (batch 1, nothing filed).
     */
    static long openBatch(Connection c, String issuerId) throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (PreparedStatement ps = c.prepareStatement("select open_batch from statement_batch where issuer_id = ? "
                    + "lock in share mode")) {
                ps.setString(1, issuerId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getLong(1);
                    }
                }
            }
            startIssuer(c, issuerId);
        }
        throw new IllegalStateException("no statement batch row for issuer " + issuerId);
    }

    /** An issuer's first credit: batch 1 open, nothing filed (another transaction may have made them meanwhile). */
    private static void startIssuer(Connection c, String issuerId) throws SQLException {
        issuerRows(c, "insert ignore", issuerId, 1, 0);
    }

    private static void issuerRows(Connection c, String insert, String issuerId, long openBatch, long filedThrough)
            throws SQLException {
        try (PreparedStatement batch = c.prepareStatement(insert + " into statement_batch (issuer_id, open_batch) "
                + "values (?, ?)");
             PreparedStatement filing = c.prepareStatement(insert + " into statement_filing (issuer_id, filed_through) "
                     + "values (?, ?)")) {
            batch.setString(1, issuerId);
            batch.setLong(2, openBatch);
            batch.executeUpdate();
            filing.setString(1, issuerId);
            filing.setLong(2, filedThrough);
            filing.executeUpdate();
        }
    }

    /**
     * Closes the issuer's open batch: the credits in it (and in any batch closed before without a file) are the next
     * file's. Waits for the posting transactions that hold the batch; call in a transaction of its own, committed at
     * once, so posting goes on into the next batch while the file is written.
     */
    static void closeOpenBatch(Connection c, String issuerId) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("select open_batch from statement_batch where issuer_id = ? "
                + "for update")) {
            lock.setString(1, issuerId);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    startIssuer(c, issuerId);
                    return;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("update statement_batch set open_batch = open_batch + 1 "
                + "where issuer_id = ?")) {
            ps.setString(1, issuerId);
            ps.executeUpdate();
        }
    }

    /** Batches closed and not yet filed: (filedThrough, through]; the filing row stays locked until commit. */
    record Unfiled(long filedThrough, long through) {
        boolean isEmpty() {
            return through <= filedThrough;
        }
    }

    /** Locks the issuer's filing (one file writer at a time per issuer, on any node) and says what is to file. */
    static Unfiled lockUnfiled(Connection c, String issuerId) throws SQLException {
        OptionalLong through = filedThrough(c, issuerId, " for update");
        if (through.isEmpty()) {
            return new Unfiled(0, 0);
        }
        long filed = through.getAsLong();
        try (PreparedStatement ps = c.prepareStatement("select open_batch from statement_batch where issuer_id = ?")) {
            ps.setString(1, issuerId);
            try (ResultSet rs = ps.executeQuery()) {
                return new Unfiled(filed, rs.next() ? rs.getLong(1) - 1 : filed);
            }
        }
    }

    /** True when the batches hold a credit to file (netted ones are never filed). */
    static boolean anyToFile(Connection c, String issuerId, Unfiled u) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1" + UNFILED + " limit 1")) {
            bind(ps, issuerId, u);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** How many credits the batches hold to file (what a file's writing has before it: its progress). */
    static long countToFile(Connection c, String issuerId, Unfiled u) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*)" + UNFILED)) {
            bind(ps, issuerId, u);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The credits of the batches, in batch and credit id order, streamed from the server. */
    static PreparedStatement streamToFile(Connection c, String issuerId, Unfiled u, int fetchRows) throws SQLException {
        PreparedStatement ps = c.prepareStatement("select credit_id, account_ref, last4, amount, currency, statement_text, "
                + "offer_id, purchase_date" + UNFILED + " order by batch, credit_id");
        ps.setFetchSize(fetchRows);
        bind(ps, issuerId, u);
        return ps;
    }

    private static void bind(PreparedStatement ps, String issuerId, Unfiled u) throws SQLException {
        ps.setString(1, issuerId);
        ps.setLong(2, u.filedThrough());
        ps.setLong(3, u.through());
    }

    static void markFiled(Connection c, String issuerId, long through) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update statement_filing set filed_through = ? where issuer_id = ?")) {
            ps.setLong(1, through);
            ps.setString(2, issuerId);
            ps.executeUpdate();
        }
    }

    /**
     * The last batch of the issuer that is in a file: its credits with {@code batch <= filedThrough} were sent. Empty
     * when the issuer never had a credit.
     */
    public static OptionalLong filedThrough(Connection c, String issuerId) throws SQLException {
        return filedThrough(c, issuerId, "");
    }

    private static OptionalLong filedThrough(Connection c, String issuerId, String lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select filed_through from statement_filing where issuer_id = ?"
                + lock)) {
            ps.setString(1, issuerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    /**
     * Benches only: a credit ("C<reward row>") for every reward of {@code offerId}, at its amount, in one statement,
     * in batch 1 of an issuer that has no credit yet, and batch 1 filed: what posting and one statement file leave.
     * Returns how many credits were written.
     */
    public static int seedFiled(Connection c, String issuerId, String offerId, String accountRef, String last4,
                                String statementText, Instant now) throws SQLException {
        int n;
        try (PreparedStatement ps = c.prepareStatement(INSERT + "select concat('C', id), id, 'CREDIT', ?, card_id, ?, ?, "
                + "amount, 0, amount, unit_code, ?, offer_id, local_date, 'TO_FILE', 1, ? from reward where offer_id = ?")) {
            ps.setString(1, issuerId);
            ps.setString(2, accountRef);
            ps.setString(3, last4);
            ps.setString(4, statementText);
            ps.setTimestamp(5, Sql.ts(now));
            ps.setString(6, offerId);
            n = ps.executeUpdate();
        }
        issuerRows(c, "insert", issuerId, 2, 1); // a plain insert: an issuer with credits already is a misuse
        return n;
    }

    /** A credit as the issuer received it: in which file, to which account, how much. */
    public record Filed(String creditId, String accountRef, long amount, String currency, String fileId) {
    }

    /** The issuer's credits that went out in a file, by credit id (at most {@code limit}). */
    public static List<Filed> filed(Connection c, String issuerId, int limit) throws SQLException {
        List<Filed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select s.credit_id, s.account_ref, s.amount, s.currency, f.file_id "
                + "from statement_credit s join statement_file f on " + FILE_OF_CREDIT + " where s.issuer_id = ? "
                + "and s.status = 'TO_FILE' order by s.credit_id limit ?")) {
            ps.setString(1, issuerId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Filed(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    /**
     * A new credit for the reward of {@code creditId} ("C<reward>-R<n>", n counting the reward's credits), into the
     * open batch at {@code amount}; the card's current account reference. Empty when the credit is unknown.
     */
    public static Optional<String> resend(Connection c, String creditId, long rewardId, long amount, Instant now)
            throws SQLException {
        String issuerId;
        int n;
        try (PreparedStatement ps = c.prepareStatement("select issuer_id, (select count(*) from statement_credit x "
                + "where x.reward_id = ?) from statement_credit where credit_id = ?")) {
            ps.setLong(1, rewardId);
            ps.setString(2, creditId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                issuerId = rs.getString(1);
                n = rs.getInt(2);
            }
        }
        long batch = openBatch(c, issuerId);
        String newId = "C" + rewardId + "-R" + n;
        try (PreparedStatement ps = c.prepareStatement(INSERT + "select ?, s.reward_id, s.kind, s.issuer_id, s.card_id, coalesce(k.account_ref, '"
                + ERASED_ACCOUNT_REF + "'), k.last4, ?, 0, ?, s.currency, s.statement_text, s.offer_id, s.purchase_date, 'TO_FILE', ?, ? from statement_credit s "
                + "join card k on k.id = s.card_id where s.credit_id = ?")) {
            ps.setString(1, newId);
            ps.setLong(2, amount);
            ps.setLong(3, amount);
            ps.setLong(4, batch);
            ps.setTimestamp(5, Sql.ts(now));
            ps.setString(6, creditId);
            return ps.executeUpdate() == 1 ? Optional.of(newId) : Optional.empty();
        }
    }

    /**
     * Erasure of a card: its credits keep their amounts, ids, files and outcomes (the books), and lose the person:
     * {@link #ERASED_ACCOUNT_REF} for the account reference, '****' for the last four, no confirmed account reference.
     * Files already written are the issuer's copies and are not rewritten. Returns the credits changed.
     */
    public static int erase(Connection c, long cardId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update statement_credit s join reward r on " + REWARD_OF_CREDIT
                + " set s.account_ref = ?, s.last4 = '****' where r.card_id = ? and r.unit_kind = 'CASH'")) {
            ps.setString(1, ERASED_ACCOUNT_REF);
            ps.setLong(2, cardId);
            return ps.executeUpdate();
        }
    }
}
