/*
 * Points programs per issuer and coalitions over HTTP (README "Points programs" and "Coalition points"):
 *   GET  /points-programs                       issuer (its own and the configured), ops, admin
 *   POST /points-programs                       admin: an issuer's program (PointsJson), 201
 *   GET  /points-programs/{program}             as the list
 *   GET  /coalitions, /coalitions/{id}          ops, admin
 *   POST /coalitions                            admin, 201
 *   POST /cards/{cardId}/coalition-redemptions  issuer: spend a member's points at another member (idempotent by id)
 *   POST /coalitions/{id}/settlements           ops, admin: settle a period {from, to} (dates, to exclusive)
 *   GET  /coalitions/{id}/settlements           ops, admin: the settlement statement
 * Refusals come from the services as Refusals (problem+json with their codes).
 */
package org.accrue.processor.http;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Map;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.coalition.Coalition;
import org.accrue.processor.coalition.Coalitions;
import org.accrue.processor.points.PointsProgram;
import org.accrue.processor.points.PointsPrograms;

import com.fasterxml.jackson.databind.JsonNode;

import io.javalin.Javalin;

final class PointsRoutes {
    private static final String BASE = ApiServer.BASE;

    private PointsRoutes() {
    }

    static void register(ApiServer api, Javalin app, Enrollment enrollment, PointsPrograms programs,
                         Coalitions coalitions) {
        app.get(BASE + "/points-programs", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx);
            ctx.json(Map.of("programs", programs.list(p.issuerScope()).stream().map(PointsJson::program).toList()));
        });
        app.get(BASE + "/points-programs/{program}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            PointsProgram pp = programs.find(ctx.pathParam("program"))
                    .filter(x -> p.issuerScope() == null || x.openTo(p.issuerScope()))
                    .orElseThrow(() -> Problem.notFound("points program"));
            ctx.json(PointsJson.program(pp));
        });
        app.post(BASE + "/points-programs", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ADMIN);
            PointsProgram created = programs.create(p.keyName(), PointsJson.program(api.body(ctx)));
            ctx.status(201).header("Location", BASE + "/points-programs/" + created.program())
                    .json(PointsJson.program(created));
        });

        app.get(BASE + "/coalitions", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("coalitions", coalitions.list().stream().map(PointsJson::coalition).toList()));
        });
        app.get(BASE + "/coalitions/{coalitionId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(PointsJson.coalition(coalitions.find(ctx.pathParam("coalitionId"))
                    .orElseThrow(() -> Problem.notFound("coalition"))));
        });
        app.post(BASE + "/coalitions", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ADMIN);
            Coalition k = coalitions.create(p.keyName(), PointsJson.coalition(api.body(ctx)));
            ctx.status(201).header("Location", BASE + "/coalitions/" + k.coalitionId()).json(PointsJson.coalition(k));
        });
        app.post(BASE + "/cards/{cardId}/coalition-redemptions", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER);
            long id = enrollment.internalId(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            JsonNode b = api.body(ctx);
            JsonNode points = b.get("points");
            if (points == null || !points.canConvertToLong()) {
                throw Problem.badRequest("FIELD_INVALID", "points must be a whole number");
            }
            String redemptionId = ApiServer.text(b, "redemptionId");
            boolean replay = redemptionId != null && coalitions.exists(id, redemptionId);
            Coalition.Redemption r = coalitions.redeem(id, p.issuerId(), ApiServer.text(b, "coalitionId"),
                    ApiServer.text(b, "memberId"), ApiServer.text(b, "program"), points.asLong(), redemptionId);
            ctx.status(replay ? 200 : 201).json(PointsJson.redemption(r));
        });
        app.post(BASE + "/coalitions/{coalitionId}/settlements", ctx -> {
            Principal p = ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            JsonNode b = api.body(ctx);
            ctx.json(Map.of("settlements", coalitions.settle(p.keyName(), ctx.pathParam("coalitionId"), date(ApiServer.text(b, "from")),
                    date(ApiServer.text(b, "to"))).stream().map(PointsJson::settlement).toList()));
        });
        app.get(BASE + "/coalitions/{coalitionId}/settlements", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx);
            coalitions.find(ctx.pathParam("coalitionId")).orElseThrow(() -> Problem.notFound("coalition"));
            ctx.json(Map.of("settlements", coalitions.settlements(ctx.pathParam("coalitionId"), null).stream()
                    .map(PointsJson::settlement).toList()));
        });
    }

    private static LocalDate date(String v) {
        try {
            return v == null ? null : LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw Problem.badRequest("PARAMETER_INVALID", "from and to must be dates (YYYY-MM-DD)");
        }
    }
}
