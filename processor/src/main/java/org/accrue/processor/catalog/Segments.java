/*
 * Segments (issue 17): named lists of cards an issuer or a merchant uploads, which offers' targeting names. This class
 * owns the segment and segment_member tables. A segment belongs to one issuer (who uploads its own cards only) or to
 * one merchant (an admin uploads any issuer's cards). Members are named by card public id or by the issuer's account
 * reference; a name that finds no enrolled card of the segment's reach is reported back by its position, never fatal,
 * and never echoed when it holds a run of digits that could be a card number. Uploads are idempotent (a member added
 * twice is one row); every change is an audit_log row (counts, never card names). The matcher asks membership for a whole batch of cards in one query (membership()).
 */
package org.accrue.processor.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;
import org.hibernate.SessionFactory;

public final class Segments {
    /** The most members one upload may name. */
    public static final int UPLOAD_ENTRIES_MAX = 100_000;
    /** Unknown entries listed back in an answer (the count is always whole). */
    public static final int UNKNOWN_LISTED_MAX = 1_000;
    public static final int NAME_LENGTH_MAX = 100;
    /** Card names looked up per statement. */
    private static final int IN_LIST_MAX = 1_000;

    /** How an upload names a card. */
    public enum RefKind { CARD_ID, ACCOUNT_REF }

    /** One entry of an upload: a card public id, or an account reference (with its issuer for a merchant's segment). */
    public record Ref(RefKind kind, String value, String issuerId) {
    }

    /** What offers' targeting asks about one card: its issuer, BIN (-1: not recorded), stored tier and segments. */
    public record CardAudience(String issuerId, int bin, String tier, Set<String> segments) {
        /** Whether the offer's targeting is for this card (the live check of its start is the caller's). */
        public boolean admits(org.accrue.rewards.offers.Offer o) {
            return o.targeting().admitsCard(issuerId, bin, tier, segments::contains);
        }
    }

    /** A segment as the API shows it. */
    public record Segment(String id, String name, String ownerIssuerId, String ownerMerchantId, long size, Instant createdAt) {
    }

    /** An entry that found no card: its position in the upload (0-based), its kind, and its value unless withheld. */
    public record Unknown(int index, RefKind kind, String value) {
    }

    /** What an upload did. */
    public record UploadReport(String segmentId, int received, int added, int alreadyMembers, int removed,
                               int unknownCount, List<Unknown> unknown, long size) {
    }

    private final SessionFactory sessions;
    private final InstantSource clock;

    Segments(SessionFactory sessions, InstantSource clock) {
        this.sessions = sessions;
        this.clock = clock;
    }

    private <T> T inTransaction(Sql.Work<T> work) {
        return sessions.fromTransaction(s -> s.doReturningWork(c -> {
            try {
                return work.run(c);
            } catch (SQLException e) {
                throw new Sql.StoreException(e);
            }
        }));
    }

    /** Creates a segment owned by an issuer or a merchant (exactly one). */
    public Segment create(String actor, String name, String ownerIssuerId, String ownerMerchantId) {
        if (name == null || name.isBlank() || name.length() > NAME_LENGTH_MAX) {
            throw CatalogException.invalid("segment.name", "must be 1-" + NAME_LENGTH_MAX + " characters");
        }
        if ((ownerIssuerId == null) == (ownerMerchantId == null)) {
            throw CatalogException.invalid("segment", "is owned by exactly one of issuerId or merchantId");
        }
        String id = Ids.next("seg");
        Instant now = clock.instant();
        return inTransaction(c -> {
            if (ownerMerchantId != null) {
                try (PreparedStatement ps = c.prepareStatement("select 1 from merchant where merchant_id = ?")) {
                    ps.setString(1, ownerMerchantId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw CatalogException.invalid("segment.merchantId", "names no merchant: " + ownerMerchantId);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("insert into segment (id, name, owner_issuer_id, owner_merchant_id, "
                    + "created_at) values (?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, name.strip());
                ps.setString(3, ownerIssuerId);
                ps.setString(4, ownerMerchantId);
                Sql.setUtc(ps, 5, now);
                ps.executeUpdate();
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("name", name.strip());
            details.put("merchantId", ownerMerchantId);
            AuditLog.record(c, now, new AuditLog.Entry(actor, AuditLog.Action.SEGMENT_CREATED, AuditLog.Resource.SEGMENT, id,
                    ownerIssuerId, details));
            return new Segment(id, name.strip(), ownerIssuerId, ownerMerchantId, 0, now);
        });
    }

    /** The segment with its size; {@code issuerScope} (an issuer's key) sees only its own segments. */
    public Optional<Segment> find(String issuerScope, String id) {
        return inTransaction(c -> find(c, issuerScope, id));
    }

    public List<Segment> list(String issuerScope) {
        return inTransaction(c -> {
            List<Segment> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select s.id, s.name, s.owner_issuer_id, s.owner_merchant_id, "
                    + "s.created_at, (select count(*) from segment_member m where m.segment_id = s.id) from segment s "
                    + (issuerScope == null ? "" : "where s.owner_issuer_id = ? ") + "order by s.created_at, s.id")) {
                if (issuerScope != null) {
                    ps.setString(1, issuerScope);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(segment(rs));
                    }
                }
            }
            return out;
        });
    }

    /** The ids among {@code ids} that name no segment. */
    public Set<String> unknownIds(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return inTransaction(c -> {
            Set<String> missing = new HashSet<>(ids);
            try (PreparedStatement ps = c.prepareStatement("select id from segment where id in (" + Sql.marks(ids.size()) + ")")) {
                int i = 1;
                for (String id : ids) {
                    ps.setString(i++, id);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        missing.remove(rs.getString(1));
                    }
                }
            }
            return missing;
        });
    }

    /**
     * Adds the cards {@code refs} name to the segment; empty when the segment is not the caller's. An issuer's segment
     * takes only that issuer's cards; a merchant's takes any issuer's (an account reference then names its issuer).
     */
    public Optional<UploadReport> add(String actor, String issuerScope, String segmentId, List<Ref> refs) {
        return upload(actor, issuerScope, segmentId, refs, false);
    }

    /** As add, and then every member the upload does not name leaves the segment: the upload is the whole list. */
    public Optional<UploadReport> replace(String actor, String issuerScope, String segmentId, List<Ref> refs) {
        return upload(actor, issuerScope, segmentId, refs, true);
    }

    private Optional<UploadReport> upload(String actor, String issuerScope, String segmentId, List<Ref> refs,
                                          boolean replace) {
        if (refs.size() > UPLOAD_ENTRIES_MAX) {
            throw new CatalogException("UPLOAD_TOO_LARGE", 413, "an upload names at most " + UPLOAD_ENTRIES_MAX + " cards");
        }
        return inTransaction(c -> {
            Optional<Segment> seg = find(c, issuerScope, segmentId);
            if (seg.isEmpty()) {
                return Optional.<UploadReport>empty();
            }
            String reach = seg.get().ownerIssuerId(); // null: a merchant's segment reaches every issuer's cards
            Map<Integer, List<Long>> found = resolve(c, reach, refs);
            Set<Long> members = new HashSet<>();
            int unknownCount = 0;
            List<Unknown> unknown = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                List<Long> cards = found.get(i);
                if (cards == null) {
                    unknownCount++;
                    if (unknown.size() < UNKNOWN_LISTED_MAX) {
                        Ref r = refs.get(i);
                        unknown.add(new Unknown(i, r.kind(), Ids.holdsCardNumberLikeRun(r.value()) ? null : r.value()));
                    }
                } else {
                    members.addAll(cards);
                }
            }
            int added = 0;
            Instant now = clock.instant();
            try (PreparedStatement ps = c.prepareStatement("insert ignore into segment_member (segment_id, card_id, added_at) "
                    + "values (?, ?, ?)")) {
                for (long card : members) {
                    ps.setString(1, segmentId);
                    ps.setLong(2, card);
                    Sql.setUtc(ps, 3, now);
                    ps.addBatch();
                }
                for (int n : ps.executeBatch()) {
                    added += n > 0 ? 1 : 0;
                }
            }
            int removed = replace ? removeOthers(c, segmentId, members) : 0;
            long size = find(c, issuerScope, segmentId).orElseThrow().size();
            members(c, actor, seg.get(), replace ? "replaced" : "added", added, removed, size);
            return Optional.of(new UploadReport(segmentId, refs.size(), added, members.size() - added, removed, unknownCount,
                    List.copyOf(unknown), size));
        });
    }

    /** Removes the segment's members that are not in {@code keep}; how many. */
    private static int removeOthers(Connection c, String segmentId, Set<Long> keep) throws SQLException {
        List<Long> gone = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select card_id from segment_member where segment_id = ?")) {
            ps.setString(1, segmentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!keep.contains(rs.getLong(1))) {
                        gone.add(rs.getLong(1));
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("delete from segment_member where segment_id = ? and card_id = ?")) {
            for (long card : gone) {
                ps.setString(1, segmentId);
                ps.setLong(2, card);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return gone.size();
    }

    /** Removes a card (by public id) from the segment; false when the segment or the member is not there. */
    public boolean remove(String actor, String issuerScope, String segmentId, String cardPublicId) {
        return inTransaction(c -> {
            Optional<Segment> seg = find(c, issuerScope, segmentId);
            if (seg.isEmpty()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("delete m from segment_member m join card k on k.id = m.card_id "
                    + "where m.segment_id = ? and k.public_id = ?")) {
                ps.setString(1, segmentId);
                ps.setString(2, cardPublicId);
                if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            members(c, actor, seg.get(), "removed", 0, 1, seg.get().size() - 1);
            return true;
        });
    }

    /** The audit row of a change of members: counts only, never the cards' names (they may be account references). */
    private void members(Connection c, String actor, Segment seg, String how, int added, int removed, long size)
            throws SQLException {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("change", how);
        details.put("added", added);
        details.put("removed", removed);
        details.put("size", size);
        AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, AuditLog.Action.SEGMENT_MEMBERS_CHANGED,
                AuditLog.Resource.SEGMENT, seg.id(), seg.ownerIssuerId(), details));
    }

    /** The card's audience for listing offers to it; empty when there is no such card. */
    public Optional<CardAudience> audience(long cardId) {
        return inTransaction(c -> {
            // the tier as the matcher reads it: the card's stored tier state (tiers.CardTiers owns card_tier)
            try (PreparedStatement ps = c.prepareStatement("select k.issuer_id, k.bin, t.tier from card k "
                    + "left join card_tier t on t.card_id = k.id where k.id = ?")) {
                ps.setLong(1, cardId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<CardAudience>empty();
                    }
                    String bin = rs.getString(2);
                    return Optional.of(new CardAudience(rs.getString(1), bin == null ? -1 : org.accrue.rewards.offers.Targeting.binNumber(bin),
                            rs.getString(3), membership(c, List.of(cardId)).getOrDefault(cardId, Set.of())));
                }
            }
        });
    }

    /**
     * The segments each of {@code cardIds} is in, in one statement per thousand cards: the matcher asks this once per
     * batch, and only when an offer of the catalog names segments.
     */
    public static Map<Long, Set<String>> membership(Connection c, List<Long> cardIds) throws SQLException {
        Map<Long, Set<String>> out = new HashMap<>();
        for (int from = 0; from < cardIds.size(); from += IN_LIST_MAX) {
            List<Long> part = cardIds.subList(from, Math.min(cardIds.size(), from + IN_LIST_MAX));
            try (PreparedStatement ps = c.prepareStatement("select card_id, segment_id from segment_member where card_id in ("
                    + Sql.marks(part.size()) + ")")) {
                for (int i = 0; i < part.size(); i++) {
                    ps.setLong(i + 1, part.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    private static Optional<Segment> find(Connection c, String issuerScope, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select s.id, s.name, s.owner_issuer_id, s.owner_merchant_id, "
                + "s.created_at, (select count(*) from segment_member m where m.segment_id = s.id) from segment s "
                + "where s.id = ?" + (issuerScope == null ? "" : " and s.owner_issuer_id = ?"))) {
            ps.setString(1, id);
            if (issuerScope != null) {
                ps.setString(2, issuerScope);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(segment(rs)) : Optional.empty();
            }
        }
    }

    private static Segment segment(ResultSet rs) throws SQLException {
        return new Segment(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(6),
                Sql.instant(rs, 5));
    }

    /**
     * Upload position -> internal card ids (an account reference may hold several cards), for the entries that name an enrolled card within reach ({@code issuer}
     * null: any issuer). Card ids in one statement per thousand; account references likewise, per issuer.
     */
    private static Map<Integer, List<Long>> resolve(Connection c, String issuer, List<Ref> refs) throws SQLException {
        Map<String, List<Integer>> byCardId = new LinkedHashMap<>();
        Map<String, Map<String, List<Integer>>> byAccountRef = new LinkedHashMap<>(); // issuer -> ref -> positions
        for (int i = 0; i < refs.size(); i++) {
            Ref r = refs.get(i);
            if (r.kind() == RefKind.CARD_ID) {
                byCardId.computeIfAbsent(r.value(), k -> new ArrayList<>()).add(i);
            } else {
                String owner = issuer != null ? issuer : r.issuerId();
                if (owner != null && (r.issuerId() == null || r.issuerId().equals(owner))) {
                    byAccountRef.computeIfAbsent(owner, k -> new LinkedHashMap<>())
                            .computeIfAbsent(r.value(), k -> new ArrayList<>()).add(i);
                }
            }
        }
        Map<Integer, List<Long>> out = new HashMap<>();
        lookUp(c, "public_id", issuer, byCardId, out);
        for (Map.Entry<String, Map<String, List<Integer>>> e : byAccountRef.entrySet()) {
            lookUp(c, "account_ref", e.getKey(), e.getValue(), out);
        }
        return out;
    }

    private static void lookUp(Connection c, String column, String issuer, Map<String, List<Integer>> positions,
                               Map<Integer, List<Long>> out) throws SQLException {
        List<String> names = new ArrayList<>(positions.keySet());
        for (int from = 0; from < names.size(); from += IN_LIST_MAX) {
            List<String> part = names.subList(from, Math.min(names.size(), from + IN_LIST_MAX));
            try (PreparedStatement ps = c.prepareStatement("select id, " + column + " from card where status = 'ENROLLED' and "
                    + column + " in (" + Sql.marks(part.size()) + ")" + (issuer == null ? "" : " and issuer_id = ?"))) {
                int i = 1;
                for (String n : part) {
                    ps.setString(i++, n);
                }
                if (issuer != null) {
                    ps.setString(i, issuer);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        for (int p : positions.get(rs.getString(2))) {
                            out.computeIfAbsent(p, k -> new ArrayList<>()).add(rs.getLong(1));
                        }
                    }
                }
            }
        }
    }
}
