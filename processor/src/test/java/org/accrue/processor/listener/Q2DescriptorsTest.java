package org.accrue.processor.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.jpos.core.Environment;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** A node's values go into its own descriptor, as XML and jPOS read them back, never through system properties. */
class Q2DescriptorsTest {
    private static final String TEMPLATE = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- the ${q2.accrue.*} values are written in -->
            <bean name="${q2.accrue.name}"><property name="dir" value="${q2.accrue.dir}" />${q2.accrue.dir}</bean>
            """;

    @Test
    void aValueWithXmlAndJposSpecialCharactersReachesTheBeanExactlyAsGiven() throws Exception {
        String dir = "/srv/R&D <\"node\"> 'a' $HOME $sys{user.home ${user.home";
        String filled = Q2Descriptors.fill("t.xml", TEMPLATE, Map.of("q2.accrue.name", "n1", "q2.accrue.dir", dir));

        Element bean = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(filled.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        String attribute = ((Element) bean.getElementsByTagName("property").item(0)).getAttribute("value");
        // What QFactory does with every attribute and text of a descriptor before a bean sees it.
        assertThat(Environment.getEnvironment().getProperty(attribute, attribute)).isEqualTo(dir);
        String text = bean.getTextContent();
        assertThat(Environment.getEnvironment().getProperty(text, text)).isEqualTo(dir);
        assertThat(bean.getAttribute("name")).isEqualTo("n1");
        assertThat(System.getProperties().stringPropertyNames()).noneMatch(k -> k.startsWith("q2.accrue."));
    }

    @Test
    void aPlaceholderTheNodeDoesNotSetIsAnErrorNamingIt() {
        assertThatThrownBy(() -> Q2Descriptors.fill("t.xml", TEMPLATE, Map.of("q2.accrue.name", "n1")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("${q2.accrue.dir}").hasMessageContaining("t.xml");
    }

    @Test
    void aValueJposCannotTakeVerbatimIsRefusedRatherThanExpanded() {
        assertThatThrownBy(() -> Q2Descriptors.fill("t.xml", TEMPLATE,
                Map.of("q2.accrue.name", "n1", "q2.accrue.dir", "/srv/${user.home}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'$' and '}'");
    }
}
