package org.accrue.rewards.offers;

import java.util.List;
import java.util.Set;

/** A merchant: its MIDs per acquirer, descriptor patterns (a trailing * matches any suffix), and MCCs. */
public record Merchant(String merchantId, String name, List<Mid> mids, List<String> descriptors, Set<String> mccs) {

    public record Mid(String acquirerId, String mid) {
    }

    public Merchant {
        mids = List.copyOf(mids);
        descriptors = List.copyOf(descriptors);
        mccs = Set.copyOf(mccs);
    }
}
