/*
 * The expiry job's two steps, per program and by the program's ExpiryRule (UTC days):
 * - expire: AVAILABLE points earned before rule.cutoff(today) expire, whatever of them is left (an EXPIRE ledger
 *   transaction through Reward.expirePoints), EXPIRY_BATCH_MAX rewards per transaction;
 * - warn: a card's lots that expire within the program's warning period (earned in [cutoff(today),
 *   cutoff(today + warning days))) are summed per card and expiry date, and each (card, program, date) gets one
 *   points.expiring event, in the transaction that records it in points_expiry_warning: never twice, however often
 *   the job runs. A date's lots earned after its warning went out are not warned of again.
 */
package org.accrue.processor.points;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.processor.webhooks.Outbox;
import org.accrue.processor.webhooks.PointsEvents;

final class PointsExpiry {
    static final int EXPIRY_BATCH_MAX = 1000;

    private final DataSource ds;
    private final InstantSource clock;
    private final PointsPrograms programs;

    PointsExpiry(DataSource ds, InstantSource clock, PointsPrograms programs) {
        this.ds = ds;
        this.clock = clock;
        this.programs = programs;
    }

    int expire() {
        int total = 0;
        for (PointsProgram p : programs.list(null)) {
            Instant now = clock.instant();
            Instant cutoff = start(p.expiry().cutoff(today(now)));
            while (true) {
                int n = Sql.inTransaction(ds, c -> expireBatch(c, p.program(), cutoff, now));
                total += n;
                if (n < EXPIRY_BATCH_MAX) {
                    break;
                }
            }
        }
        return total;
    }

    private static int expireBatch(Connection c, String program, Instant cutoff, Instant now) throws SQLException {
        List<RewardBook.Row> rows = RewardBook.claimPointsBoughtBefore(c, program, cutoff, EXPIRY_BATCH_MAX);
        List<RewardBook.Change> expired = new ArrayList<>(rows.size());
        for (RewardBook.Row row : rows) {
            expired.add(row.apply(r -> r.expirePoints(now)));
        }
        RewardBook.write(c, expired, now);
        return rows.size();
    }

    /** One card's points of a program expiring on one date. */
    private record Due(long cardId, String issuerId, LocalDate expiresOn) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int byCard = Long.compare(cardId, o.cardId);
            return byCard != 0 ? byCard : expiresOn.compareTo(o.expiresOn);
        }
    }

    int warn() {
        int total = 0;
        for (PointsProgram p : programs.list(null)) {
            if (p.warningDays() == 0) {
                continue;
            }
            Instant now = clock.instant();
            LocalDate today = today(now);
            total += Sql.inTransaction(ds, c -> {
                Map<Due, Long> due = new TreeMap<>();
                for (RewardBook.ProgramLot lot : RewardBook.pointsBoughtBetween(c, p.program(),
                        start(p.expiry().cutoff(today)), start(p.expiry().cutoff(today.plusDays(p.warningDays()))))) {
                    LocalDate on = p.expiry().expiresOn(today(lot.purchasedAt()));
                    due.merge(new Due(lot.cardId(), lot.issuerId(), on), lot.left(), Math::addExact);
                }
                int n = 0;
                try (PreparedStatement ps = c.prepareStatement("insert ignore into points_expiry_warning (card_id, "
                        + "program, expires_on, points, created_at) values (?, ?, ?, ?, ?)")) {
                    List<Outbox.Event> events = new ArrayList<>();
                    for (Map.Entry<Due, Long> e : due.entrySet()) {
                        ps.setLong(1, e.getKey().cardId());
                        ps.setString(2, p.program());
                        ps.setObject(3, e.getKey().expiresOn());
                        ps.setLong(4, e.getValue());
                        Sql.setUtc(ps, 5, now);
                        if (ps.executeUpdate() == 1) {
                            events.add(PointsEvents.expiring(e.getKey().issuerId(), e.getKey().cardId(), p.program(),
                                    e.getValue(), e.getKey().expiresOn()));
                            n++;
                        }
                    }
                    Outbox.emit(c, now, events);
                }
                return n;
            });
        }
        return total;
    }

    private static LocalDate today(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }

    private static Instant start(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
