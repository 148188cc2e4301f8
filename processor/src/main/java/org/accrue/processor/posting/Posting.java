/*
 * The posting job: AVAILABLE cashback becomes statement credits, in batches.
 * Each batch is one transaction: the rewards are taken FOR UPDATE SKIP
 * LOCKED, each becomes SENT with its SEND ledger transaction and one
 * statement_credit row (credit id "C<reward row id>", unique forever), and
 * the issuer's open clawbacks are settled: sent as debits (issuers that allow
 * them) or netted against the same card's new credits in that currency. A
 * batch commits whole or not at all, so a node killed mid-posting leaves
 * every reward either posted once or still AVAILABLE for the next run.
 */
package org.accrue.processor.posting;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.rewardbook.LedgerRows;
import org.accrue.processor.rewardbook.StoredRewards;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.StatementText;
import org.accrue.rewards.ledger.Reward;

public final class Posting implements ScheduledJob {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Posting.class);
    /** Batches per run: a bound on one run's work; the next run takes the rest. */
    private static final int BATCHES_PER_RUN_MAX = 100_000;
    private static final int DEADLOCK_RETRIES_MAX = 5;

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.Issuer> issuers;
    private final int batchSizeMax;
    private final int workers;

    public Posting(DataSource ds, InstantSource clock, Map<String, AccrueConfig.Issuer> issuers, int batchSizeMax,
                   int workers) {
        this.ds = ds;
        this.clock = clock;
        this.issuers = issuers;
        this.batchSizeMax = batchSizeMax;
        this.workers = workers;
    }

    /** What one run did. */
    public record Result(long credits, long netted, long debits, Map<String, Long> creditedByCurrency) {
        public String summary() {
            return "posted " + credits + " statement credit(s) " + creditedByCurrency + ", " + netted
                    + " clawback(s) netted, " + debits + " debit(s)";
        }
    }

    @Override
    public String run(RunContext run) {
        return post().summary();
    }

    public Result post() {
        // Workers take disjoint batches (SKIP LOCKED); each batch is its own transaction.
        List<java.util.concurrent.Future<BatchResult>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                results.add(pool.submit(this::drain));
            }
        }
        long credits = 0;
        long netted = 0;
        Map<String, Long> byCurrency = new TreeMap<>();
        for (var f : results) {
            BatchResult r;
            try {
                r = f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("posting interrupted", e);
            }
            credits += r.credits;
            netted += r.netted;
            r.byCurrency.forEach((k, v) -> byCurrency.merge(k, v, Math::addExact));
        }
        long debits = 0;
        for (AccrueConfig.Issuer i : issuers.values()) {
            if (i.debitsAllowed()) {
                Instant now = clock.instant();
                debits += Sql.inTransaction(ds, c -> debits(c, i.id(), now));
            }
        }
        if (log.isDebugEnabled()) { // where a run's time went, summed over workers
            log.debug("posting steps: take rewards {} ms, lookups and ledger rows built {} ms, credits inserted {} ms, "
                    + "rewards updated {} ms, ledger inserted {} ms", steps.sumMillis(0), steps.sumMillis(1),
                    steps.sumMillis(2), steps.sumMillis(3), steps.sumMillis(4));
        }
        return new Result(credits, netted, debits, byCurrency);
    }

    /** Nanoseconds per step of a batch, summed over the workers of one run (for the debug log). */
    private static final class Steps {
        private final java.util.concurrent.atomic.AtomicLongArray nanos = new java.util.concurrent.atomic.AtomicLongArray(5);

        void add(int step, long n) {
            nanos.addAndGet(step, n);
        }

        long sumMillis(int step) {
            return nanos.getAndSet(step, 0) / 1_000_000;
        }
    }

    private final Steps steps = new Steps();

    /** One worker: batches until one comes back short. A deadlock with another worker retries the batch. */
    private BatchResult drain() {
        long after = 0;
        long credits = 0;
        long netted = 0;
        Map<String, Long> byCurrency = new TreeMap<>();
        for (int b = 0; b < BATCHES_PER_RUN_MAX; b++) {
            BatchResult r = null;
            for (int attempt = 1; r == null; attempt++) {
                Instant now = clock.instant();
                try {
                    long from = after;
                    r = Sql.inTransaction(ds, c -> batch(c, now, from));
                } catch (Sql.StoreException e) {
                    if (attempt >= DEADLOCK_RETRIES_MAX || !(e.getCause() instanceof java.sql.SQLTransactionRollbackException)) {
                        throw e;
                    }
                }
            }
            credits += r.credits;
            netted += r.netted;
            r.byCurrency.forEach((k, v) -> byCurrency.merge(k, v, Math::addExact));
            after = Math.max(after, r.lastId);
            if (r.taken < batchSizeMax) {
                break;
            }
        }
        return new BatchResult(0, 0, credits, netted, byCurrency);
    }

    private record BatchResult(int taken, long lastId, long credits, long netted, Map<String, Long> byCurrency) {
    }

    private record Due(StoredRewards.Row row, String offerId, LocalDate purchaseDate, String merchantId) {
    }

    private record CardRef(String accountRef, String last4) {
    }

    private static final class OpenClawback {
        final long id;
        long remaining;

        OpenClawback(long id, long remaining) {
            this.id = id;
            this.remaining = remaining;
        }
    }

    /**
     * One batch: the oldest AVAILABLE cash rewards after {@code after} (the worker's last batch: it never scans again
     * the index entries its own earlier batches left behind, which InnoDB purges only later), skipping those another
     * worker holds.
     */
    private BatchResult batch(Connection c, Instant now, long after) throws SQLException {
        long t0 = System.nanoTime();
        List<Due> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select " + StoredRewards.COLUMNS + ", r.offer_id, r.local_date, "
                + "r.merchant_id from reward r where r.open_status = 'AVAILABLE' and r.unit_kind = 'CASH' and r.id > ? "
                + "order by r.id limit ? "
                + "for update skip locked")) {
            ps.setLong(1, after);
            ps.setInt(2, batchSizeMax);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int k = StoredRewards.COLUMN_COUNT;
                    due.add(new Due(StoredRewards.read(rs), rs.getString(k + 1), rs.getObject(k + 2, LocalDate.class),
                            rs.getString(k + 3)));
                }
            }
        }
        if (due.isEmpty()) {
            return new BatchResult(0, after, 0, 0, Map.of());
        }
        long t1 = System.nanoTime();
        Map<Long, CardRef> cards = cards(c, due);
        Map<String, String> merchantNames = merchantNames(c, due);
        Map<String, Deque<OpenClawback>> clawbacks = openClawbacksToNet(c, due);
        long credits = 0;
        long netted = 0;
        Map<String, Long> byCurrency = new TreeMap<>();
        try (LedgerRows ledger = new LedgerRows(c);
             StatementCredits.Writer credit = StatementCredits.writer(c);
             PreparedStatement settle = c.prepareStatement("update clawback set remaining = ?, status = ?, settled_at = ? "
                     + "where id = ?")) {
            List<Long> sent = new ArrayList<>(due.size());
            List<Long> done = new ArrayList<>();
            for (Due d : due) {
                Reward r = d.row().reward();
                ledger.add(d.row().rowId(), r.send(now));
                long cardId = Long.parseLong(r.cardId());
                String currency = r.unit().code();
                long gross = r.amount();
                long net = 0;
                Deque<OpenClawback> owed = clawbacks.get(cardId + "|" + currency);
                while (owed != null && !owed.isEmpty() && net < gross) {
                    OpenClawback cb = owed.peekFirst();
                    long take = Math.min(cb.remaining, gross - net);
                    cb.remaining -= take;
                    net += take;
                    settle.setLong(1, cb.remaining);
                    settle.setString(2, cb.remaining == 0 ? "SETTLED" : "OPEN");
                    settle.setTimestamp(3, cb.remaining == 0 ? Sql.ts(now) : null);
                    settle.setLong(4, cb.id);
                    settle.addBatch();
                    if (cb.remaining == 0) {
                        owed.removeFirst();
                        netted++;
                    }
                }
                long amount = gross - net;
                if (gross == 0) {
                    r.posted(); // nothing to credit: done
                }
                CardRef card = cards.get(cardId);
                credit.add(new StatementCredits.NewCredit("C" + d.row().rowId(), d.row().rowId(),
                        StatementCredits.Kind.CREDIT, r.issuerId(), cardId, card.accountRef(), card.last4(), gross, net, amount,
                        currency, statementText("CASHBACK", merchantNames.get(d.merchantId()), d.offerId()), d.offerId(),
                        d.purchaseDate()), now);
                (r.status() == Reward.Status.SENT ? sent : done).add(d.row().rowId());
                if (amount != 0) {
                    credits++;
                    byCurrency.merge(currency, amount, Math::addExact);
                }
            }
            long t2 = System.nanoTime();
            credit.flush();
            long t3 = System.nanoTime();
            StoredRewards.move(c, sent, Reward.Status.AVAILABLE, Reward.Status.SENT, now);
            StoredRewards.move(c, done, Reward.Status.AVAILABLE, Reward.Status.POSTED, now);
            long t4 = System.nanoTime();
            settle.executeBatch();
            ledger.flush();
            long t5 = System.nanoTime();
            steps.add(0, t1 - t0);
            steps.add(1, t2 - t1);
            steps.add(2, t3 - t2);
            steps.add(3, t4 - t3);
            steps.add(4, t5 - t4);
        }
        return new BatchResult(due.size(), due.getLast().row().rowId(), credits, netted, byCurrency);
    }

    /** What the cardholder reads: "CASHBACK BLUE BOTTLE", at most 22 characters, cleaned for the file. */
    static String statementText(String prefix, String merchantName, String offerId) {
        return StatementText.clean(prefix + " " + (merchantName != null ? merchantName : offerId));
    }

    private static Map<Long, CardRef> cards(Connection c, List<Due> due) throws SQLException {
        Map<Long, CardRef> out = new HashMap<>();
        List<Long> ids = due.stream().map(d -> Long.parseLong(d.row().reward().cardId())).distinct().toList();
        try (PreparedStatement ps = c.prepareStatement("select id, account_ref, last4 from card where id in ("
                + Sql.marks(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), new CardRef(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    private static Map<String, String> merchantNames(Connection c, List<Due> due) throws SQLException {
        Map<String, String> out = new HashMap<>();
        List<String> ids = due.stream().map(Due::merchantId).filter(java.util.Objects::nonNull).distinct().toList();
        if (ids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("select merchant_id, name from merchant where merchant_id in ("
                + Sql.marks(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setString(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Open cash clawbacks of the batch's cards at issuers that take no debits, oldest first, by card and currency. */
    private Map<String, Deque<OpenClawback>> openClawbacksToNet(Connection c, List<Due> due) throws SQLException {
        Map<String, Deque<OpenClawback>> out = new HashMap<>();
        List<Long> ids = due.stream().filter(d -> !debitsAllowed(d.row().reward().issuerId()))
                .map(d -> Long.parseLong(d.row().reward().cardId())).distinct().toList();
        if (ids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("select id, card_id, unit_code, remaining from clawback "
                + "where status = 'OPEN' and unit_kind = 'CASH' and card_id in (" + Sql.marks(ids.size()) + ") order by id for update")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(2) + "|" + rs.getString(3), k -> new ArrayDeque<>())
                            .add(new OpenClawback(rs.getLong(1), rs.getLong(4)));
                }
            }
        }
        return out;
    }

    private boolean debitsAllowed(String issuerId) {
        AccrueConfig.Issuer i = issuers.get(issuerId);
        return i != null && i.debitsAllowed();
    }

    /** Open clawbacks of an issuer that takes debits become negative statement credits ("D<clawback id>"). */
    private int debits(Connection c, String issuerId, Instant now) throws SQLException {
        record Open(long id, long rewardId, long cardId, String currency, long remaining) {
        }
        List<Open> open = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select id, reward_id, card_id, unit_code, remaining from clawback "
                + "where status = 'OPEN' and unit_kind = 'CASH' and issuer_id = ? order by id limit ? for update skip locked")) {
            ps.setString(1, issuerId);
            ps.setInt(2, batchSizeMax);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    open.add(new Open(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5)));
                }
            }
        }
        try (StatementCredits.Writer insert = StatementCredits.writer(c);
             PreparedStatement settle = c.prepareStatement("update clawback set remaining = 0, status = 'SETTLED', "
                     + "settled_at = ? where id = ?");
             PreparedStatement purchase = c.prepareStatement("select r.issuer_id, r.card_id, k.account_ref, k.last4, "
                     + "r.offer_id, r.local_date, coalesce(m.name, r.offer_id) from reward r join card k on k.id = r.card_id "
                     + "left join merchant m on m.merchant_id = r.merchant_id where r.id = ?")) {
            for (Open o : open) {
                purchase.setLong(1, o.rewardId());
                try (ResultSet rs = purchase.executeQuery()) {
                    rs.next();
                    insert.add(new StatementCredits.NewCredit("D" + o.id(), o.rewardId(), StatementCredits.Kind.DEBIT,
                            rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), -o.remaining(), 0,
                            -o.remaining(), o.currency(), StatementText.clean("CASHBACK REFUND " + rs.getString(7)),
                            rs.getString(5), rs.getObject(6, LocalDate.class)), now);
                }
                settle.setTimestamp(1, Sql.ts(now));
                settle.setLong(2, o.id());
                settle.addBatch();
            }
            insert.flush();
            settle.executeBatch();
        }
        return open.size();
    }

}
