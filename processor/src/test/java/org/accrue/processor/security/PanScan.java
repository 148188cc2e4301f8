package org.accrue.processor.security;

import java.util.List;

/** Where a PAN appears in some texts: the texts that contain it, shortened so a failure does not print it whole. */
final class PanScan {
    private PanScan() {
    }

    static List<String> find(String pan, List<String> texts) {
        return texts.stream().filter(t -> t != null && t.contains(pan))
                .map(t -> t.replace(pan, "<PAN ending " + pan.substring(pan.length() - 4) + ">"))
                .map(t -> t.length() > 300 ? t.substring(0, 300) + "..." : t)
                .toList();
    }
}
