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
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.StatementText;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

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
            return "posted " + credits + " statement credit(s) of " + org.accrue.rewards.money.Money.show(creditedByCurrency)
                    + ", " + netted
                    + " clawback(s) netted, " + debits + " debit(s)";
        }
    }

    @Override
    public String run(RunContext run) {
        return post(run.progress()).summary();
    }

    public Result post() {
        return post(org.accrue.processor.Progress.NONE);
    }

    /**
     * As post, telling {@code progress} the rewards taken so far of those AVAILABLE when it started (counted only when
     * someone watches; rewards that become AVAILABLE meanwhile are posted too, so done may pass the total).
     */
    public Result post(org.accrue.processor.Progress progress) {
        long total = progress == org.accrue.processor.Progress.NONE ? -1
                : Sql.inTransaction(ds, c -> RewardBook.countAvailable(c, RewardUnit.Kind.CASH));
        java.util.concurrent.atomic.AtomicLong taken = new java.util.concurrent.atomic.AtomicLong();
        java.util.function.IntConsumer batchDone = n -> progress.at(taken.addAndGet(n), total);
        // Workers take disjoint batches (SKIP LOCKED); each batch is its own transaction.
        List<java.util.concurrent.Future<BatchResult>> results = new ArrayList<>();
        Chunks chunks = Sql.inTransaction(ds, c -> RewardBook.availableRange(c, RewardUnit.Kind.CASH))
                .map(r -> new Chunks(r[0], r[1], Math.max(2L * batchSizeMax, (r[1] - r[0]) / (workers * 16L) + 1)))
                .orElse(Chunks.NONE);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                results.add(pool.submit(() -> drain(chunks, batchDone)));
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
            log.debug("posting steps: take rewards {} ms, lookups and transitions {} ms, credits inserted {} ms, "
                    + "ledger rules checked, ledger rows and reward updates written {} ms, clawbacks settled {} ms", steps.sumMillis(0), steps.sumMillis(1),
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

    /**
     * The row id range of the AVAILABLE rewards when a run starts, handed out in chunks: each worker claims in a chunk
     * of its own, so its claims do not scan past the rows other workers hold (SKIP LOCKED skips them one lock attempt
     * each) or have just posted (index entries InnoDB purges only later).
     */
    private static final class Chunks {
        static final Chunks NONE = new Chunks(1, 0, 1);
        private final long through;
        private final long width;
        private final java.util.concurrent.atomic.AtomicLong next;

        Chunks(long from, long through, long width) {
            this.through = through;
            this.width = width;
            this.next = new java.util.concurrent.atomic.AtomicLong(from);
        }

        /** The next chunk as {first row id, last row id}, or null when all were handed out. */
        long[] take() {
            long first = next.getAndAdd(width);
            return first > through ? null : new long[] {first, Math.min(through, first + width - 1)};
        }
    }

    /** What one worker posted so far in a run, and how many batches it took (bounded by BATCHES_PER_RUN_MAX). */
    private static final class WorkerTotals {
        long credits;
        long netted;
        final Map<String, Long> byCurrency = new TreeMap<>();
        int batches;

        void add(BatchResult r) {
            credits += r.credits;
            netted += r.netted;
            r.byCurrency.forEach((k, v) -> byCurrency.merge(k, v, Math::addExact));
            batches++;
        }
    }

    /**
     * One worker: the chunks it takes, then a sweep of every AVAILABLE reward left (those that became AVAILABLE
     * during the run, and the rest of chunks other workers still hold: the sweep skips what they have locked).
     */
    private BatchResult drain(Chunks chunks, java.util.function.IntConsumer batchDone) {
        WorkerTotals totals = new WorkerTotals();
        for (long[] chunk = chunks.take(); chunk != null; chunk = chunks.take()) {
            drain(chunk[0] - 1, chunk[1], totals, batchDone);
        }
        drain(0, Long.MAX_VALUE, totals, batchDone);
        return new BatchResult(0, 0, totals.credits, totals.netted, totals.byCurrency);
    }

    /** Batches of row ids in (after, through] until one comes back short. A deadlock with another worker retries it. */
    private void drain(long after, long through, WorkerTotals totals, java.util.function.IntConsumer batchDone) {
        while (totals.batches < BATCHES_PER_RUN_MAX) {
            BatchResult r = null;
            for (int attempt = 1; r == null; attempt++) {
                Instant now = clock.instant();
                try {
                    long from = after;
                    r = Sql.inTransaction(ds, c -> batch(c, now, from, through));
                } catch (Sql.StoreException e) {
                    if (attempt >= DEADLOCK_RETRIES_MAX || !(e.getCause() instanceof java.sql.SQLTransactionRollbackException)) {
                        throw e;
                    }
                }
            }
            totals.add(r);
            batchDone.accept(r.taken);
            after = Math.max(after, r.lastId);
            if (r.taken < batchSizeMax) {
                return;
            }
        }
    }

    private record BatchResult(int taken, long lastId, long credits, long netted, Map<String, Long> byCurrency) {
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
     * One batch: the oldest AVAILABLE cash rewards of row ids in (after, through] ({@code after} the worker's last
     * batch: it never scans again the index entries its own earlier batches left behind, which InnoDB purges only
     * later), skipping those another worker holds.
     */
    private BatchResult batch(Connection c, Instant now, long after, long through) throws SQLException {
        long t0 = System.nanoTime();
        List<RewardBook.Row> due = RewardBook.claimAvailable(c, RewardUnit.Kind.CASH, after, through, batchSizeMax);
        if (due.isEmpty()) {
            return new BatchResult(0, after, 0, 0, Map.of());
        }
        long t1 = System.nanoTime();
        Map<Long, CardRef> cards = cards(c, due);
        Map<String, String> merchantNames = merchantNames(c, due);
        Map<String, Deque<OpenClawback>> clawbacks = openClawbacksToNet(c, due);
        Map<String, String> texts = new HashMap<>(); // a batch's credits mostly share a few merchants' texts
        long credits = 0;
        long netted = 0;
        Map<String, Long> byCurrency = new TreeMap<>();
        try (StatementCredits.Writer credit = StatementCredits.writer(c);
             PreparedStatement settle = c.prepareStatement("update clawback set remaining = ?, status = ?, settled_at = ? "
                     + "where id = ?")) {
            List<RewardBook.Change> changes = new ArrayList<>(due.size());
            for (RewardBook.Row d : due) {
                Reward r = d.reward();
                // nothing to credit (a zero reward) is done at once: POSTED
                changes.add(d.apply(x -> {
                    var sent = x.send(now);
                    return x.amount() == 0 ? concat(sent, x.posted()) : sent;
                }));
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
                CardRef card = cards.get(cardId);
                credit.add(new StatementCredits.NewCredit("C" + d.rowId(), d.rowId(),
                        StatementCredits.Kind.CREDIT, r.issuerId(), cardId, card.accountRef(), card.last4(), gross, net, amount,
                        currency, texts.computeIfAbsent(d.merchantId() + "|" + d.offerId(),
                        k -> statementText("CASHBACK", merchantNames.get(d.merchantId()), d.offerId())), d.offerId(),
                        d.purchaseDate()), now);
                if (amount != 0) {
                    credits++;
                    byCurrency.merge(currency, amount, Math::addExact);
                }
            }
            long t2 = System.nanoTime();
            credit.flush();
            long t3 = System.nanoTime();
            // the ledger rules run here, then one ledger batch and one UPDATE per status move (SENT; POSTED if zero)
            RewardBook.write(c, changes, now);
            long t4 = System.nanoTime();
            settle.executeBatch();
            long t5 = System.nanoTime();
            steps.add(0, t1 - t0);
            steps.add(1, t2 - t1);
            steps.add(2, t3 - t2);
            steps.add(3, t4 - t3);
            steps.add(4, t5 - t4);
        }
        return new BatchResult(due.size(), due.getLast().rowId(), credits, netted, byCurrency);
    }

    private static List<LedgerTransaction> concat(List<LedgerTransaction> a, List<LedgerTransaction> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<LedgerTransaction> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** What the cardholder reads: "CASHBACK BLUE BOTTLE", at most 22 characters, cleaned for the file. */
    static String statementText(String prefix, String merchantName, String offerId) {
        return StatementText.clean(prefix + " " + (merchantName != null ? merchantName : offerId));
    }

    private static Map<Long, CardRef> cards(Connection c, List<RewardBook.Row> due) throws SQLException {
        Map<Long, CardRef> out = new HashMap<>();
        List<Long> ids = due.stream().map(d -> Long.parseLong(d.reward().cardId())).distinct().toList();
        try (PreparedStatement ps = c.prepareStatement("select id, account_ref, last4 from card where id in ("
                + Sql.marks(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // An erased card has no account reference: what is still owed on it (a clawback open at erasure) names
                    // none either, and the issuer refuses it (a REJECTED credit for ops to write off).
                    out.put(rs.getLong(1), new CardRef(rs.getString(2) == null ? StatementCredits.ERASED_ACCOUNT_REF
                            : rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    private static Map<String, String> merchantNames(Connection c, List<RewardBook.Row> due) throws SQLException {
        Map<String, String> out = new HashMap<>();
        List<String> ids = due.stream().map(RewardBook.Row::merchantId).filter(java.util.Objects::nonNull).distinct().toList();
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
    private Map<String, Deque<OpenClawback>> openClawbacksToNet(Connection c, List<RewardBook.Row> due) throws SQLException {
        Map<String, Deque<OpenClawback>> out = new HashMap<>();
        List<Long> ids = due.stream().filter(d -> !debitsAllowed(d.reward().issuerId()))
                .map(d -> Long.parseLong(d.reward().cardId())).distinct().toList();
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
        // The reward behind each clawback (offer, merchant, date, card) comes from the book, its card and merchant
        // name as for a credit.
        Map<Long, RewardBook.Row> rewards = new HashMap<>();
        for (RewardBook.Row r : RewardBook.read(c, open.stream().map(Open::rewardId).distinct().toList())) {
            rewards.put(r.rowId(), r);
        }
        List<RewardBook.Row> rows = List.copyOf(rewards.values());
        Map<Long, CardRef> cards = rows.isEmpty() ? Map.of() : cards(c, rows);
        Map<String, String> names = merchantNames(c, rows);
        try (StatementCredits.Writer insert = StatementCredits.writer(c);
             PreparedStatement settle = c.prepareStatement("update clawback set remaining = 0, status = 'SETTLED', "
                     + "settled_at = ? where id = ?")) {
            for (Open o : open) {
                RewardBook.Row r = rewards.get(o.rewardId());
                long cardId = Long.parseLong(r.reward().cardId());
                CardRef card = cards.get(cardId);
                String merchant = r.merchantId() != null && names.containsKey(r.merchantId())
                        ? names.get(r.merchantId()) : r.offerId();
                insert.add(new StatementCredits.NewCredit("D" + o.id(), o.rewardId(), StatementCredits.Kind.DEBIT,
                        r.reward().issuerId(), cardId, card.accountRef(), card.last4(), -o.remaining(), 0, -o.remaining(),
                        o.currency(), StatementText.clean("CASHBACK REFUND " + merchant), r.offerId(), r.purchaseDate()), now);
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
