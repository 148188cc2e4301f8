package org.accrue.processor.http;

import org.accrue.config.AccrueConfig.Role;

/** Who is calling: the API key's name, role, and for issuers the issuer it is bound to. */
public record Principal(String keyName, Role role, String issuerId) {

    /** The issuer whose data this caller may see; null means every issuer (ops, admin). */
    public String issuerScope() {
        return role == Role.ISSUER ? issuerId : null;
    }
}
