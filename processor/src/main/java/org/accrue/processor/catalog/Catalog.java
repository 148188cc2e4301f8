/*
 * The offer catalog: merchants and offers created and changed by admins (API
 * or import file), stored as their validated definitions, and handed to the
 * matching engine as one snapshot. A MID belongs to one merchant; an offer's
 * merchant must exist. Changes are whole-document: what is stored is always
 * a definition the validator accepted. Every change is an audit_log row
 * (actor, merchant or offer id, what changed) in the change's transaction.
 */
package org.accrue.processor.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.accrue.processor.audit.AuditLog;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.hibernate.Session;
import org.hibernate.SessionFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

public final class Catalog {
    public static final long IMPORT_FILE_BYTES_MAX = 32L * 1024 * 1024;

    /** What an import did. */
    public record ImportReport(int merchants, int offers) {
    }

    private final SessionFactory sessions;
    private final InstantSource clock;
    private final ObjectMapper json;
    private final CatalogJson codec;
    private final Segments segments;
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    /** Bumped on every change made through this node, so the matcher reloads at once. */
    public long version() {
        return version.get();
    }

    public Catalog(SessionFactory sessions, InstantSource clock, ObjectMapper json) {
        this.sessions = sessions;
        this.clock = clock;
        this.json = json;
        this.codec = new CatalogJson(json);
        this.segments = new Segments(sessions, clock);
    }

    /** The segments offers' targeting names (issue 17). */
    public Segments segments() {
        return segments;
    }

    public CatalogJson codec() {
        return codec;
    }

    /** Creates or replaces a merchant; true when it was new. */
    public boolean putMerchant(Merchant m) {
        return putMerchant(AuditLog.CLI, m);
    }

    public boolean putMerchant(String actor, Merchant m) {
        boolean created = sessions.fromTransaction(s -> audit(s, actor, m, putMerchant(s, m)));
        version.incrementAndGet();
        return created;
    }

    private boolean putMerchant(Session s, Merchant m) {
        Instant now = clock.instant();
        for (Merchant.Mid mid : m.mids()) {
            MerchantMidEntity owner = s.find(MerchantMidEntity.class, new MerchantMidEntity.Key(mid.acquirerId(), mid.mid()));
            if (owner != null && !owner.merchantId().equals(m.merchantId())) {
                throw new CatalogException("MID_TAKEN", 409, "MID " + mid.mid() + " of acquirer " + mid.acquirerId()
                        + " belongs to merchant " + owner.merchantId());
            }
        }
        // Bring the merchant's MIDs to the new list through the session, so entities it already holds stay coherent.
        java.util.Set<MerchantMidEntity.Key> wanted = new java.util.HashSet<>();
        m.mids().forEach(mid -> wanted.add(new MerchantMidEntity.Key(mid.acquirerId(), mid.mid())));
        for (MerchantMidEntity had : s.createSelectionQuery("from MerchantMidEntity where merchantId = :m", MerchantMidEntity.class)
                .setParameter("m", m.merchantId()).getResultList()) {
            if (!wanted.remove(had.key())) {
                s.remove(had);
            }
        }
        for (MerchantMidEntity.Key k : wanted) {
            s.persist(new MerchantMidEntity(k.acquirerId(), k.mid(), m.merchantId()));
        }
        String definition = codec.toJson(m).toString();
        MerchantEntity e = s.find(MerchantEntity.class, m.merchantId());
        if (e == null) {
            s.persist(new MerchantEntity(m.merchantId(), m.name(), definition, now));
            return true;
        }
        e.redefine(m.name(), definition, now);
        return false;
    }

    /** Creates an offer; an existing id is a conflict (offers change through update). */
    public void createOffer(Offer o) {
        createOffer(AuditLog.CLI, o);
    }

    public void createOffer(String actor, Offer o) {
        sessions.inTransaction(s -> {
            if (s.find(OfferEntity.class, o.id()) != null) {
                throw new CatalogException("OFFER_EXISTS", 409, "offer " + o.id() + " exists; change it with PATCH");
            }
            checkMerchant(s, o);
            s.persist(new OfferEntity(o.id(), o.merchantId(), o.status().name(), codec.toJson(o).toString(), clock.instant()));
            audit(s, actor, o, true, null);
        });
        version.incrementAndGet();
    }

    /** Replaces an offer's definition (import, or PATCH after merging the change). */
    public void putOffer(Offer o) {
        sessions.inTransaction(s -> audit(s, AuditLog.CLI, o, putOffer(s, o), null));
        version.incrementAndGet();
    }

    /** True when the offer was new. */
    private boolean putOffer(Session s, Offer o) {
        checkMerchant(s, o);
        OfferEntity e = s.find(OfferEntity.class, o.id());
        if (e == null) {
            s.persist(new OfferEntity(o.id(), o.merchantId(), o.status().name(), codec.toJson(o).toString(), clock.instant()));
            return true;
        }
        e.redefine(o.merchantId(), o.status().name(), codec.toJson(o).toString(), clock.instant());
        return false;
    }

    private boolean audit(Session s, String actor, Merchant m, boolean created) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", m.name());
        details.put("mids", m.mids().size());
        s.doWork(c -> AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, created
                ? AuditLog.Action.MERCHANT_CREATED : AuditLog.Action.MERCHANT_CHANGED, AuditLog.Resource.MERCHANT,
                m.merchantId(), null, details)));
        return created;
    }

    /** {@code fields}: the fields a PATCH changed (null: the whole definition was given). */
    private void audit(Session s, String actor, Offer o, boolean created, List<String> fields) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("merchantId", o.merchantId());
        details.put("status", o.status().name());
        if (fields != null) {
            details.put("fields", fields);
        }
        s.doWork(c -> AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, created
                ? AuditLog.Action.OFFER_CREATED : AuditLog.Action.OFFER_CHANGED, AuditLog.Resource.OFFER, o.id(), null,
                details)));
    }

    /** Applies a PATCH (pause/resume, extend, or any other field) to an offer: the merged document is validated again. */
    public Optional<Offer> patchOffer(String id, JsonNode patch) {
        return patchOffer(AuditLog.CLI, id, patch);
    }

    public Optional<Offer> patchOffer(String actor, String id, JsonNode patch) {
        return sessions.fromTransaction(s -> {
            OfferEntity e = s.find(OfferEntity.class, id);
            if (e == null) {
                return Optional.empty();
            }
            if (!patch.isObject() || patch.has("id")) {
                throw CatalogException.invalid("patch", "must be an object and must not change the id");
            }
            ObjectNode merged = (ObjectNode) read(e.definition());
            patch.fields().forEachRemaining(f -> {
                if (f.getValue().isNull()) {
                    merged.remove(f.getKey());
                } else {
                    merged.set(f.getKey(), f.getValue());
                }
            });
            Offer o = codec.offer(merged, "offer");
            putOffer(s, o);
            List<String> fields = new ArrayList<>();
            patch.fieldNames().forEachRemaining(fields::add);
            audit(s, actor, o, false, fields);
            version.incrementAndGet();
            return Optional.of(o);
        });
    }

    public Optional<Offer> offer(String id) {
        return sessions.fromSession(s -> Optional.ofNullable(s.find(OfferEntity.class, id))
                .map(e -> codec.offer(read(e.definition()), "offer")));
    }

    public List<Offer> offers() {
        return sessions.fromSession(s -> s.createSelectionQuery("from OfferEntity order by offerId", OfferEntity.class)
                .getResultList().stream().map(e -> codec.offer(read(e.definition()), "offer")).toList());
    }

    public List<Merchant> merchants() {
        return sessions.fromSession(s -> s.createSelectionQuery("from MerchantEntity order by merchantId", MerchantEntity.class)
                .getResultList().stream().map(e -> codec.merchant(read(e.definition()), "merchant")).toList());
    }

    /**
     * Imports a catalog file (JSON or YAML by extension): {"merchants": [...], "offers": [...]}. All or
     * nothing: one bad entry refuses the whole file, naming the entry and field.
     */
    public ImportReport importFile(Path file) throws IOException {
        if (Files.size(file) > IMPORT_FILE_BYTES_MAX) {
            throw new CatalogException("FILE_TOO_LARGE", 413, "catalog files are at most " + IMPORT_FILE_BYTES_MAX + " bytes");
        }
        String name = file.getFileName().toString().toLowerCase();
        ObjectMapper reader = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : json;
        JsonNode root;
        try {
            root = reader.readTree(file.toFile());
        } catch (IOException e) {
            throw new CatalogException("MALFORMED_FILE", 400, "the file is not valid " + (reader == json ? "JSON" : "YAML"));
        }
        if (root == null || !root.isObject()) {
            throw CatalogException.invalid("file", "must be an object with \"merchants\" and/or \"offers\"");
        }
        List<Merchant> merchants = new ArrayList<>();
        int i = 0;
        for (JsonNode m : root.path("merchants")) {
            merchants.add(codec.merchant(m, "merchants[" + i++ + "]"));
        }
        List<Offer> offers = new ArrayList<>();
        i = 0;
        for (JsonNode o : root.path("offers")) {
            offers.add(codec.offer(o, "offers[" + i++ + "]"));
        }
        sessions.inTransaction(s -> {
            merchants.forEach(m -> audit(s, AuditLog.CLI, m, putMerchant(s, m)));
            s.flush();
            offers.forEach(o -> audit(s, AuditLog.CLI, o, putOffer(s, o), null));
        });
        version.incrementAndGet();
        return new ImportReport(merchants.size(), offers.size());
    }

    private void checkMerchant(Session s, Offer o) {
        if (o.merchantId() != null && s.find(MerchantEntity.class, o.merchantId()) == null) {
            throw CatalogException.invalid("offer.merchantId", "names no merchant: " + o.merchantId());
        }
        TargetingJson.checkSegments(segments, o);
        if (o.partnerId() != null && s.createNativeQuery("select count(*) from partner where partner_id = :p", Long.class)
                .setParameter("p", o.partnerId()).getSingleResult() == 0) {
            throw CatalogException.invalid("offer.partnerId", "names no partner: " + o.partnerId());
        }
    }

    private JsonNode read(String definition) {
        try {
            return json.readTree(definition);
        } catch (IOException e) {
            throw new IllegalStateException("a stored definition is not JSON", e);
        }
    }
}
