/*
 * The one owner of the reward and ledger_entry tables (issue 14): nothing
 * else in processor or bench writes them (RewardBookOwnershipTest; the
 * matcher's writes move here as MatcherRewards). Callers read rewards back
 * as the domain's Reward, change them only through its own transitions
 * (Row.apply: send, rejected, resend, writeOff, adjustTo, redeem, ...), and
 * hand the changes back to write(). Methods take the caller's Connection:
 * callers own their transactions (posting's batch, an import's part).
 *
 * Ledger rules at post time, as minigl runs its rules when a transaction is
 * posted: before anything of a batch is written, each change is checked
 * against the domain's Ledger (Reward.checkTransition): its transactions,
 * applied from the balances the reward's old state implied, must keep every
 * account on its right side of zero and leave exactly the balances its new
 * state implies. Always on; a refusal is an IllegalStateException and writes
 * nothing. No extra reads: the balances come from the reward's state.
 *
 * The read-only views (API, console, invoicing, demo) are typed records; the
 * ones with no transaction of the caller's run in their own, on the
 * DataSource the book was built with.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.Ledger;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

public final class RewardBook {
    /** Rows per view: a bound on what one API or console page reads. */
    public static final int VIEW_ROWS_MAX = 500;

    private final DataSource ds;

    public RewardBook(DataSource ds) {
        this.ds = ds;
    }

    /** A stored reward with its row id (ledger rows, credits and accruals point at it), offer, merchant and date. */
    public record Row(long rowId, Reward reward, String offerId, String merchantId, LocalDate purchaseDate) {
        /**
         * Runs one of the reward's own transitions and returns the change to write. One change per row and batch:
         * a second transition of the same reward goes into the same function.
         */
        public Change apply(Function<Reward, List<LedgerTransaction>> transition) {
            return new Change(this, transition);
        }
    }

    /** A transition made (Row.apply), to be checked and written once by {@link #write}. */
    public static final class Change {
        private final long rowId;
        private final Reward reward;
        private final Reward.Status from;
        private final long amountFrom;
        private final long remainingBaseFrom;
        private final long consumedFrom;
        private final Instant clearedFrom;
        private final Ledger before;
        private final List<LedgerTransaction> transactions;
        private boolean checked;

        private Change(Row row, Function<Reward, List<LedgerTransaction>> transition) {
            Reward r = row.reward();
            this.rowId = row.rowId();
            this.reward = r;
            this.from = r.status();
            this.amountFrom = r.amount();
            this.remainingBaseFrom = r.remainingBase();
            this.consumedFrom = r.consumed();
            this.clearedFrom = r.clearedAt();
            this.before = r.ledger();
            this.transactions = List.copyOf(transition.apply(r));
        }

        public long rowId() {
            return rowId;
        }

        public Reward reward() {
            return reward;
        }

        public List<LedgerTransaction> transactions() {
            return transactions;
        }

        Reward.Status from() {
            return from;
        }

        long amountFrom() {
            return amountFrom;
        }

        /** The ledger rules at post time; a change is written once. */
        void check() {
            if (checked) {
                throw new IllegalStateException("a change of reward " + reward.id() + " is written once");
            }
            reward.checkTransition(before, transactions);
            checked = true;
        }

        /** Only the status moved: the change can share one grouped UPDATE with others that made the same move. */
        boolean statusOnly() {
            return reward.status() != from && sameAmounts();
        }

        boolean changed() {
            return reward.status() != from || !sameAmounts();
        }

        private boolean sameAmounts() {
            return reward.amount() == amountFrom && reward.remainingBase() == remainingBaseFrom
                    && reward.consumed() == consumedFrom && java.util.Objects.equals(reward.clearedAt(), clearedFrom);
        }
    }

    /** A reward made outside the matcher (a points redemption), in its state after its first transitions. */
    public record NewReward(Reward reward, List<LedgerTransaction> transactions, String offerId, String lifecycleKey,
                            String baseCurrency, long purchaseMinor) {
        public NewReward {
            transactions = List.copyOf(transactions);
        }
    }

    /** A card's reward as the API shows it. */
    public record CardReward(String rewardId, Reward.Status status, RewardUnit unit, long amount, long originalAmount,
                             String offerId, String merchantId, Instant purchasedAt, Instant clearedAt, Instant updatedAt) {
    }

    /** One ledger row of a reward. */
    public record LedgerLine(Instant at, LedgerTransaction.Kind kind, Account account, RewardUnit unit, long amount) {
    }

    /** A card's points in one program: AVAILABLE less consumed, and PENDING. */
    public record PointsHeld(String program, long available, long pending) {
    }

    /** A live reward (neither reversed, expired nor rejected) of a card, as caps and punch cards count it. */
    public record LiveReward(String offerId, long amount, LocalDate localDate) {
    }

    /** AVAILABLE points with some left, bought at {@code purchasedAt}: what the expiry job takes once it is too old. */
    public record PointsLot(String program, long left, Instant purchasedAt) {
    }

    /** A merchant funder's SEND or CLAWBACK total for one offer and unit over a period. */
    public record FunderActivity(String funder, String offerId, LedgerTransaction.Kind kind, RewardUnit unit, long amount) {
    }

    /** Rewards of one offer and unit: how many, their amounts, how many were reversed. */
    public record OfferTotal(String offerId, RewardUnit unit, long rewards, long amount, long reversed) {
    }

    /**
     * Bench rewards: {@code count} cash rewards of the issuer's enrolled cards (round robin), amounts
     * {@code amountMin + i % amountCycle}, in {@code status} (AVAILABLE, SENT or POSTED) with the ledger rows the
     * domain makes on the way there. For a store nobody else writes to while it runs.
     */
    public record Seed(int count, String issuerId, String offerId, String funder, String currency, Reward.Status status,
                       long amountMin, int amountCycle) {
    }

    /** Where seeded rows are: row i (from 1) has id {@code firstRowId + (i - 1) * rowIdStep}. */
    public record Seeded(long firstRowId, int rowIdStep) {
    }

    // ---- reads to change, in the caller's transaction

    /** The reward of a row id, locked FOR UPDATE. */
    public static Optional<Row> lock(Connection c, long rowId) throws SQLException {
        return RewardRows.lock(c, rowId);
    }

    /** The rewards of these row ids that are in one of {@code statuses}, locked FOR UPDATE. */
    public static List<Row> lock(Connection c, Collection<Long> rowIds, Set<Reward.Status> statuses) throws SQLException {
        return RewardRows.lockAll(c, rowIds, statuses);
    }

    /**
     * Up to {@code limit} AVAILABLE rewards of a kind after {@code afterRowId}, in id order, FOR UPDATE SKIP LOCKED:
     * a worker resumes after its last batch (never scanning again the index entries its earlier batches left, which
     * InnoDB purges only later), and skips those another worker holds.
     */
    public static List<Row> claimAvailable(Connection c, RewardUnit.Kind kind, long afterRowId, int limit)
            throws SQLException {
        return RewardRows.claimAvailable(c, kind, afterRowId, Long.MAX_VALUE, limit);
    }

    /** As {@link #claimAvailable(Connection, RewardUnit.Kind, long, int)}, of row ids up to {@code throughRowId} only. */
    public static List<Row> claimAvailable(Connection c, RewardUnit.Kind kind, long afterRowId, long throughRowId,
                                           int limit) throws SQLException {
        return RewardRows.claimAvailable(c, kind, afterRowId, throughRowId, limit);
    }

    /** The lowest and highest row id of the AVAILABLE rewards of a kind (two index dives), empty when there are none. */
    public static Optional<long[]> availableRange(Connection c, RewardUnit.Kind kind) throws SQLException {
        return RewardRows.availableRange(c, kind);
    }

    /** How many rewards of a kind are AVAILABLE now, not locked (what a posting run has before it: its progress). */
    public static long countAvailable(Connection c, RewardUnit.Kind kind) throws SQLException {
        return RewardRows.countAvailable(c, kind);
    }

    /** AVAILABLE points of a program bought before {@code cutoff}, FOR UPDATE SKIP LOCKED (the expiry job). */
    public static List<Row> claimPointsBoughtBefore(Connection c, String program, Instant cutoff, int limit)
            throws SQLException {
        return RewardRows.claimPointsPurchasedBefore(c, program, cutoff, limit);
    }

    /** A card's AVAILABLE points of a program with some left, oldest first, locked FOR UPDATE (a redemption). */
    public static List<Row> lockPointsToSpend(Connection c, long cardId, String program) throws SQLException {
        return RewardRows.lockPointsToSpend(c, cardId, program);
    }

    /** Rewards by row id, not locked (what a credit or debit shows: offer, merchant, date). */
    public static List<Row> read(Connection c, Collection<Long> rowIds) throws SQLException {
        return RewardRows.read(c, rowIds);
    }

    public static Optional<Row> byPublicId(Connection c, String rewardId) throws SQLException {
        return RewardRows.byPublicId(c, rewardId);
    }

    /** A card's rewards in one of {@code statuses}, locked FOR UPDATE (erasure). */
    public static List<Row> lockOfCard(Connection c, long cardId, Set<Reward.Status> statuses) throws SQLException {
        return RewardRows.lockOfCard(c, cardId, statuses);
    }

    // ---- writes, in the caller's transaction

    /**
     * Erasure of a card: its rewards' purchase keys (token|DE37|DE38 and token|DE37) take the card's new random token
     * in place of the number's. Amounts, statuses and ledger rows are untouched.
     */
    public static int unlinkToken(Connection c, long cardId, String oldToken, String newToken) throws SQLException {
        return RewardWrites.unlinkToken(c, cardId, oldToken, newToken);
    }


    /** Checks every change (the ledger rules at post time), then writes their ledger rows and rewards. */
    public static void write(Connection c, List<Change> changes, Instant now) throws SQLException {
        RewardWrites.write(c, changes, now);
    }

    public static void write(Connection c, Change change, Instant now) throws SQLException {
        RewardWrites.write(c, List.of(change), now);
    }

    /** Inserts a reward and its ledger rows after checking its transactions from nothing; returns its row id. */
    public static long insert(Connection c, NewReward reward, Instant now) throws SQLException {
        return RewardWrites.insert(c, reward, now);
    }

    /**
     * The issuer confirmed these rewards' credits: Reward.posted(), which moves no money and depends on the status
     * alone (SENT becomes POSTED, any other stays), applied in one statement without reading the rows (an import's
     * chunk confirms thousands at a time). A row id may come twice (a credit and its resend).
     */
    public static void confirmPosted(Connection c, List<Long> rowIds, Instant now) throws SQLException {
        RewardWrites.move(c, rowIds, Reward.Status.SENT, Reward.Status.POSTED, now);
    }

    /** Writes the bench's rewards set-wise ({@link Seed}). */
    public static Seeded seed(Connection c, Seed seed, Instant now) throws SQLException {
        return RewardSeeds.seed(c, seed, now);
    }

    // ---- views

    /** The card's rewards, newest first, at most {@link #VIEW_ROWS_MAX}. */
    public List<CardReward> cardRewards(long cardId, int limit) {
        return Sql.inTransaction(ds, c -> RewardViews.cardRewards(c, cardId, Math.min(limit, VIEW_ROWS_MAX)));
    }

    /** The card's rewards, newest first, from {@code offset}, at most {@link #VIEW_ROWS_MAX}. */
    public List<CardReward> cardRewards(long cardId, int offset, int limit) {
        return Sql.inTransaction(ds, c -> RewardViews.cardRewards(c, cardId, offset, Math.min(limit, VIEW_ROWS_MAX)));
    }

    /** The card's live rewards (every offer), as the matcher's caps and punch cards count them. */
    public List<LiveReward> liveRewards(long cardId) {
        return Sql.inTransaction(ds, c -> RewardViews.liveRewards(c, cardId));
    }

    /** The card's AVAILABLE points with some left, oldest first: the lots the expiry job takes in turn. */
    public List<PointsLot> pointsLots(long cardId) {
        return Sql.inTransaction(ds, c -> RewardViews.pointsLots(c, cardId));
    }

    /** A card's AVAILABLE points of one program with some left, bought in [from, to): the expiry warnings' lots. */
    public record ProgramLot(long cardId, String issuerId, long left, Instant purchasedAt) {
    }

    /** AVAILABLE points of {@code program} with some left bought in [from, to), by card (the expiry warnings). */
    public static List<ProgramLot> pointsBoughtBetween(Connection c, String program, Instant from, Instant to)
            throws SQLException {
        return RewardViews.pointsBoughtBetween(c, program, from, to);
    }

    /** A reward's ledger rows in the order they were written. */
    public List<LedgerLine> ledgerOf(long rewardRowId) {
        return Sql.inTransaction(ds, c -> RewardViews.ledgerOf(c, rewardRowId));
    }

    public long count(Reward.Status status) {
        return Sql.inTransaction(ds, c -> RewardViews.count(c, status));
    }

    public List<OfferTotal> totalsByOffer() {
        return Sql.inTransaction(ds, RewardViews::totalsByOffer);
    }

    public static List<PointsHeld> pointsHeld(Connection c, long cardId) throws SQLException {
        return RewardViews.pointsHeld(c, cardId);
    }

    /** Merchant-funded SEND and CLAWBACK totals whose ledger rows were written in [from, to). */
    public static List<FunderActivity> merchantActivity(Connection c, Instant from, Instant to) throws SQLException {
        return RewardViews.funderActivity(c, "MERCHANT", from, to);
    }

    /** Partner-funded ("PARTNER:<partner>") SEND and CLAWBACK totals whose ledger rows were written in [from, to). */
    public static List<FunderActivity> partnerActivity(Connection c, Instant from, Instant to) throws SQLException {
        return RewardViews.funderActivity(c, "PARTNER", from, to);
    }

    /** One offer's rewards by status and unit (offer performance; ix_reward_offer). */
    public record OfferStatusTotal(Reward.Status status, RewardUnit unit, long rewards, long amount, long cards) {
    }

    public List<OfferStatusTotal> offerTotals(String offerId) {
        return Sql.inTransaction(ds, c -> OfferViews.byStatus(c, offerId));
    }

    /** Cards rewarded by the offer at least once (live or not). */
    public long offerCardsRewarded(String offerId) {
        return Sql.inTransaction(ds, c -> OfferViews.cardsRewarded(c, offerId));
    }
}
