package org.accrue.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/** The OpenAPI document served at /api/v1/openapi.json describes exactly the routes the server has. */
@ExtendWith(ProcessorExtension.class)
class OpenApiTest {

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationExists(Node node) {
        JsonNode doc = new Api(node.processor().httpPort()).get("/openapi.json", null).json();
        List<String> documented = new ArrayList<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (!m.equals("parameters")) {
                documented.add(m.toUpperCase() + " " + p.getKey());
            }
        }));

        List<String> routes = node.processor().apiRoutes().stream().map(r -> r.replaceAll("\\{([^}]+)}", "{$1}")).toList();

        assertThat(documented).containsExactlyInAnyOrderElementsOf(routes);
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (!op.getKey().equals("parameters")) {
                assertThat(op.getValue().has("responses")).as(op.getKey() + " " + p.getKey()).isTrue();
            }
        }));
    }
}
