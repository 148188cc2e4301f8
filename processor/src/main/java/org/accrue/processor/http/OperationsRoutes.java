/*
 * The API of what the scheduled jobs make (http-api.md): job runs, the
 * cardholder's statement, bank points and their redemption, statement credit
 * files, and merchant invoices. Same keys, roles and problem+json as the rest
 * of the API; another issuer's card or file is 404.
 */
package org.accrue.processor.http;

import java.nio.file.Files;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.config.JobName;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.jobs.Jobs;
import org.accrue.processor.points.Points;
import org.accrue.processor.statements.StatementFiles;
import org.accrue.processor.statements.Statements;

import com.fasterxml.jackson.databind.JsonNode;

import io.javalin.Javalin;
import io.javalin.http.Context;

public final class OperationsRoutes {
    private static final String BASE = ApiServer.BASE;

    private OperationsRoutes() {
    }

    /**
     * What the routes serve; a null service leaves its routes answering 404. The reward book's views serve the
     * console's rewards and ledger pages.
     */
    public record Services(Jobs jobs, Statements statements, Points points, MerchantInvoicing invoicing,
                           StatementFiles files, org.accrue.processor.miles.MilesAccrual miles,
                           org.accrue.processor.confirmations.ConfirmationImports imports,
                           org.accrue.processor.confirmations.ExceptionsQueue exceptions,
                           org.accrue.processor.rewardbook.RewardBook rewards,
                           org.accrue.processor.webhooks.WebhookEndpoints webhooks,
                           org.accrue.processor.coalition.Coalitions coalitions,
                           org.accrue.processor.tiers.TierPrograms tiers,
                           org.accrue.processor.Programs programs) {
    }

    static void register(ApiServer api, Javalin app, Enrollment enrollment, Services s) {
        if (s == null) {
            return;
        }
        if (s.webhooks() != null) {
            WebhookRoutes.register(api, app, s.webhooks());
        }
        PointsRoutes.register(api, app, enrollment, s.points().programs(), s.coalitions());
        TierRoutes.register(api, app, enrollment, s.tiers());
        if (s.programs() != null) {
            ProgramRoutes.register(api, app, s.programs());
        }
        app.get(BASE + "/jobs", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("jobs", s.jobs().list().stream().map(OperationsRoutes::listing).toList()));
        });
        app.post(BASE + "/jobs/{jobName}/runs", ctx -> {
            Principal p = ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            String name = ctx.pathParam("jobName");
            JobName job = job(s.jobs(), name).orElseThrow(() -> Problem.notFound("job " + name));
            String runId = s.jobs().request(job, "api:" + p.keyName());
            ctx.status(202).header("Location", BASE + "/jobs/" + job.id() + "/runs/" + runId)
                    .json(Map.of("runId", runId, "job", job.id(), "status", Jobs.RunStatus.QUEUED.name()));
        });
        app.get(BASE + "/jobs/{jobName}/runs", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            // A name that is no job has had no runs: an empty list, as before jobs were named by JobName.
            ctx.json(Map.of("runs", JobName.parse(ctx.pathParam("jobName")).map(j -> s.jobs().runs(j)).orElse(List.of())
                    .stream().map(OperationsRoutes::run).toList()));
        });
        app.get(BASE + "/jobs/{jobName}/runs/{runId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            Jobs.Run r = s.jobs().run(ctx.pathParam("runId"));
            if (r == null || !r.job().id().equals(ctx.pathParam("jobName"))) {
                throw Problem.notFound("run");
            }
            ctx.json(run(r));
        });

        app.get(BASE + "/cards/{cardId}/statement", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            long id = enrollment.internalId(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            String m = ctx.queryParam("month");
            YearMonth month;
            try {
                month = YearMonth.parse(m == null ? "" : m);
            } catch (DateTimeParseException e) {
                throw Problem.badRequest("PARAMETER_INVALID", "month must be YYYY-MM");
            }
            Statements.Statement st = s.statements().of(id, month);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("cardId", ctx.pathParam("cardId"));
            body.put("month", month.toString());
            body.put("lines", st.cash().stream().map(l -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("creditId", l.creditId());
                x.put("kind", l.kind());
                x.put("statementText", l.statementText());
                x.put("amount", money(l.amount(), l.currency()));
                if (l.netted() != 0) {
                    x.put("nettedAgainstClawback", money(l.netted(), l.currency()));
                }
                x.put("offerId", l.offerId());
                x.put("purchaseDate", l.purchaseDate().toString());
                x.put("date", l.date());
                return x;
            }).toList());
            body.put("miles", st.miles());
            body.put("totals", Map.of("cash", st.cashTotals().entrySet().stream().map(e -> money(e.getValue(), e.getKey())).toList(),
                    "miles", st.milesTotals()));
            ctx.json(body);
        });

        app.get(BASE + "/cards/{cardId}/points", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            long id = enrollment.internalId(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            ctx.json(Map.of("cardId", ctx.pathParam("cardId"), "balances", s.points().balances(id)));
        });
        app.post(BASE + "/cards/{cardId}/points/redemptions", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER);
            var card = enrollment.find(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            long id = enrollment.internalId(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            JsonNode b = api.body(ctx);
            JsonNode points = b.get("points");
            boolean voucher = "VOUCHER".equals(b.path("to").asText()); // a voucher's price is its points
            if (!voucher && (points == null || !points.canConvertToLong())) {
                throw Problem.badRequest("FIELD_INVALID", "points must be a whole number");
            }
            Points.Target target;
            try {
                target = Points.Target.valueOf(String.valueOf(ApiServer.text(b, "to")));
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest("FIELD_INVALID", "to must be STATEMENT_CREDIT, MILES or VOUCHER");
            }
            String redemptionId = ApiServer.text(b, "redemptionId");
            boolean replay = redemptionId != null && s.points().exists(id, redemptionId);
            Points.Redemption r = s.points().redeem(id, p.issuerId(), card.airlineProgram(), redemptionId,
                    ApiServer.text(b, "program"), points == null ? 0 : points.asLong(), target,
                    ApiServer.text(b, "voucherId"));
            ctx.status(replay ? 200 : 201).json(r);
        });

        app.get(BASE + "/issuers/{issuerId}/statement-files", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            String issuer = ctx.pathParam("issuerId");
            if (p.role() == Role.ISSUER && !issuer.equals(p.issuerId())) {
                throw Problem.notFound("issuer");
            }
            ctx.json(Map.of("issuerId", issuer, "files", s.files().list(issuer)));
        });
        app.get(BASE + "/statement-files/{fileId}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            StatementFiles.FileInfo f = s.files().find(ctx.pathParam("fileId"))
                    .filter(x -> p.role() != Role.ISSUER || x.issuerId().equals(p.issuerId()))
                    .orElseThrow(() -> Problem.notFound("statement file"));
            ctx.header("Content-Disposition", "attachment; filename=\"" + f.fileName() + "\"")
                    .header("X-Content-SHA256", f.sha256())
                    .contentType(f.encrypted() ? "application/pgp-encrypted" : "text/plain; charset=utf-8")
                    .result(Files.newInputStream(f.path()));
        });

        app.post(BASE + "/issuers/{issuerId}/confirmation-files", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            String issuer = ctx.pathParam("issuerId");
            if (p.role() == Role.ISSUER && !issuer.equals(p.issuerId())) {
                throw Problem.notFound("issuer");
            }
            String importId;
            try (var body = ctx.req().getInputStream()) {
                importId = s.imports().receive(issuer, body, "API", ctx.header("X-File-Name"), "api:" + p.keyName());
            } catch (IllegalArgumentException e) {
                throw p.role() == Role.ISSUER ? Problem.notFound("issuer") : new Problem(422, "FILE_REFUSED", e.getMessage());
            }
            // Stored (file and row) before the answer, applied off the request: the answer is the import id and where
            // to poll it (RECEIVED, PROCESSING, then APPLIED, REJECTED or DUPLICATE); the next upload never waits.
            s.imports().processInBackground(importId);
            String location = BASE + "/confirmation-files/" + importId;
            ctx.status(202).header("Location", location)
                    .json(Map.of("importId", importId, "status",
                            org.accrue.processor.confirmations.ConfirmationImports.Status.RECEIVED.name(), "location", location));
        });
        app.get(BASE + "/confirmation-files/{importId}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            var imp = s.imports().find(ctx.pathParam("importId"))
                    .filter(i -> p.role() != Role.ISSUER || i.issuerId().equals(p.issuerId()))
                    .orElseThrow(() -> Problem.notFound("confirmation file"));
            ctx.json(ImportBody.of(imp));
        });

        app.get(BASE + "/exceptions", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx, "status", "type", "issuerId", "assignee", "age", "card", "limit", "offset");
            int limit = ApiServer.intParam(ctx, "limit", 1, 500, 100);
            int offset = ApiServer.intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
            var page = s.exceptions().page(new org.accrue.processor.confirmations.ExceptionsQueue.Filter(exceptionStatus(ctx),
                    exceptionType(ctx), issuerParam(ctx), assigneeParam(ctx), ConsoleQueue.ageParam(ctx),
                    ConsoleQueue.cardParam(ctx)), offset, limit);
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("exceptions", page.items().stream().map(OperationsRoutes::exception).toList());
            body.put("offset", page.offset());
            body.put("limit", page.limit());
            body.put("more", page.more());
            ctx.json(body);
        });
        app.get(BASE + "/exceptions/{id}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            long id = exceptionId(ctx);
            var e = s.exceptions().find(id).orElseThrow(() -> Problem.notFound("exception"));
            Map<String, Object> body = exception(e);
            body.put("audit", s.exceptions().audit(id));
            ctx.json(body);
        });
        app.post(BASE + "/exceptions/{id}/assignment", ctx -> {
            Principal p = ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(exception(s.exceptions().assign(exceptionId(ctx), ApiServer.text(api.body(ctx), "assignee"), p.keyName())));
        });
        app.post(BASE + "/exceptions/{id}/resolution", ctx -> {
            Principal p = ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            JsonNode b = api.body(ctx);
            org.accrue.processor.confirmations.ExceptionsQueue.Action action;
            try {
                action = org.accrue.processor.confirmations.ExceptionsQueue.Action.valueOf(String.valueOf(ApiServer.text(b, "action")));
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest("FIELD_INVALID", "action must be one of "
                        + names(org.accrue.processor.confirmations.ExceptionsQueue.Action.values()));
            }
            var e = s.exceptions().resolve(exceptionId(ctx), action, ApiServer.text(b, "reason"), p.keyName());
            ctx.status(e.status() == Exceptions.Status.PENDING_APPROVAL ? 202 : 200).json(exception(e));
        });
        app.post(BASE + "/exceptions/{id}/approval", ctx -> {
            Principal p = ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            JsonNode b = api.body(ctx);
            boolean approve = b.path("approve").asBoolean(false);
            ctx.json(exception(s.exceptions().approve(exceptionId(ctx), approve, ApiServer.text(b, "reason"), p.keyName())));
        });

        app.get(BASE + "/merchants/{merchantId}/invoices", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("merchantId", ctx.pathParam("merchantId"), "invoices", s.invoicing().list(ctx.pathParam("merchantId"))));
        });
        app.get(BASE + "/invoices/{invoiceId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            String body = s.invoicing().body(ctx.pathParam("invoiceId"));
            if (body == null) {
                throw Problem.notFound("invoice");
            }
            ctx.contentType("text/plain; charset=utf-8").result(body);
        });
    }

    /** {@code ?status=}: absent or empty is any status; anything else must name one (400 INVALID_STATUS). */
    static Exceptions.Status exceptionStatus(Context ctx) {
        return enumParam(ctx, "status", Exceptions.Status::parse, Exceptions.Status.values(), "INVALID_STATUS");
    }

    /** {@code ?type=}: absent or empty is any type; anything else must name one (400 INVALID_TYPE). */
    static Exceptions.Type exceptionType(Context ctx) {
        return enumParam(ctx, "type", Exceptions.Type::parse, Exceptions.Type.values(), "INVALID_TYPE");
    }

    /** A query parameter naming one of {@code values} exactly; null when absent or empty; else 400 {@code code}. */
    private static <E extends Enum<E>> E enumParam(Context ctx, String name,
                                                   java.util.function.Function<String, java.util.Optional<E>> parse,
                                                   E[] values, String code) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        return parse.apply(v).orElseThrow(() -> Problem.badRequest(code, name + " must be one of " + names(values)));
    }

    /** {@code ?issuerId=}: an issuer id as configuration spells them (1-16 of A-Z 0-9 _ -), or 400 INVALID_ISSUER_ID. */
    private static String issuerParam(Context ctx) {
        String v = ctx.queryParam("issuerId");
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (!v.matches("[A-Z0-9_-]{1,16}")) {
            throw Problem.badRequest("INVALID_ISSUER_ID", "issuerId must be 1-16 of A-Z 0-9 _ -");
        }
        return v;
    }

    /** {@code ?assignee=}: 1-64 characters, as an assignment takes them, or 400 INVALID_ASSIGNEE. */
    private static String assigneeParam(Context ctx) {
        String v = ctx.queryParam("assignee");
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.isBlank() || v.length() > 64) {
            throw Problem.badRequest("INVALID_ASSIGNEE", "assignee must be 1-64 characters");
        }
        return v;
    }

    private static String names(Enum<?>[] values) {
        return java.util.Arrays.stream(values).map(Enum::name).collect(java.util.stream.Collectors.joining(", "));
    }

    private static long exceptionId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw Problem.notFound("exception");
        }
    }

    static Map<String, Object> exception(org.accrue.processor.confirmations.ExceptionsQueue.Item e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("type", e.type().name());
        m.put("status", e.status().name());
        m.put("issuerId", e.issuerId());
        m.put("card", e.cardMasked());
        if (e.messageKey() != null) {
            m.put("messageKey", e.messageKey());
        }
        m.put("amount", e.amount() == null || e.currency() == null ? null : money(e.amount(), e.currency()));
        m.put("detail", e.detail());
        m.put("creditId", e.creditId());
        m.put("assignee", e.assignee());
        m.put("createdAt", e.createdAt());
        m.put("ageSeconds", e.ageSeconds());
        m.put("actions", e.actions().stream().map(Enum::name).sorted().toList());
        if (e.resolution() != null) {
            m.put("resolution", Map.of("action", e.resolution().name(), "reason", String.valueOf(e.resolutionReason()),
                    "by", String.valueOf(e.resolvedBy()), "at", String.valueOf(e.resolvedAt())));
        }
        if (e.proposedAction() != null) {
            m.put("proposed", Map.of("action", e.proposedAction().name(), "by", e.proposedBy()));
        }
        return m;
    }

    /** A confirmation file's import as GET /confirmation-files/{id} answers it. */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"importId", "issuerId", "status", "source", "fileName", "encrypted",
            "fileId", "answersFileId", "reason", "detail", "lines", "amountSum", "outcomes", "receivedAt", "finishedAt"})
    record ImportBody(String importId, String issuerId, String status, String source, String fileName, boolean encrypted,
                      String fileId, String answersFileId, String reason, String detail, Long lines, Long amountSum,
                      String outcomes, java.time.Instant receivedAt, java.time.Instant finishedAt) {
        static ImportBody of(org.accrue.processor.confirmations.ConfirmationImports.Import i) {
            // The API's outcomes stay the string it documents ("{MATCHED=10, REJECTED=1}"), whatever the stored form.
            return new ImportBody(i.importId(), i.issuerId(), i.status().name(), i.source(), i.originalName(), i.encrypted(),
                    i.fileId(), i.answersFileId(), i.reason(), i.detail(), i.lineCount(), i.amountSum(),
                    i.outcomes() == null ? null : i.outcomes().toString(), i.receivedAt(), i.finishedAt());
        }
    }

    static Map<String, Object> money(long minor, String currency) {
        return Map.of("minor", minor, "currency", currency);
    }

    /** The job a path names, if it is one this node has. */
    static java.util.Optional<JobName> job(Jobs jobs, String name) {
        return JobName.parse(name).filter(jobs::knows);
    }

    private static Map<String, Object> listing(Jobs.Listing l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.job().id());
        m.put("schedule", l.schedule());
        m.put("nextRunAt", l.nextRunAt());
        m.put("lastRun", l.lastRun() == null ? null : run(l.lastRun()));
        return m;
    }

    private static Map<String, Object> run(Jobs.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", r.runId());
        m.put("job", r.job().id());
        m.put("status", r.status().name());
        m.put("requestedBy", r.requestedBy());
        m.put("node", r.node());
        m.put("summary", r.summary());
        m.put("createdAt", r.createdAt());
        m.put("startedAt", r.startedAt());
        m.put("finishedAt", r.finishedAt());
        return m;
    }
}
