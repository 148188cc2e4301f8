/*
 * An issuer's bulk enrollment file over HTTP: POST /issuers/{issuerId}/enrollment-files, the issuer's own key, the
 * file as the raw body (the lines `accrue enroll` takes: pan|accountRef|lastName[|airlineProgram|memberNumber]).
 * The body is streamed and enrolled as it is read, in chunks of 500 lines (cards.BulkEnrollment), and never written
 * to disk: it holds card numbers. The answer is the run's report: 200 with the counts and the first 1,000 rejected
 * lines by number and rule, never by their content (a line that is not UTF-8 text is one of them). More lines than a
 * file may have, or a body that ends early, is a 422 FILE_REFUSED naming no line's content; what was enrolled before
 * it stays, and the same file sent again answers those cards "already enrolled".
 */
package org.accrue.processor.http;

import java.io.IOException;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cards.BulkEnrollment;
import org.accrue.processor.cards.Enrollment;

import io.javalin.Javalin;

final class EnrollmentFileRoutes {
    private EnrollmentFileRoutes() {
    }

    static void register(Javalin app, Enrollment enrollment) {
        app.post(ApiServer.BASE + "/issuers/{issuerId}/enrollment-files", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER);
            if (!ctx.pathParam("issuerId").equals(p.issuerId())) {
                throw Problem.notFound("issuer");
            }
            BulkEnrollment.Report report;
            try (var body = ctx.req().getInputStream()) {
                report = BulkEnrollment.run(body, p.issuerId(), enrollment, p.keyName());
            } catch (IOException e) {
                throw new Problem(422, "FILE_REFUSED", "the file could not be read to its end (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null && e.getMessage().startsWith("file has more than") ? ": " + e.getMessage() : "")
                        + "); the lines before were enrolled: send the rest again");
            }
            ctx.json(report);
        });
    }
}
