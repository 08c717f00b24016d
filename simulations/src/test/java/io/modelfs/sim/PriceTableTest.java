package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {
  @Test
  void theShippedTableHoldsTheSeedsServices() {
    List<PriceTable.Service> t = PriceTable.shipped();
    List<String> names = t.stream().map(PriceTable.Service::name).toList();
    for (String s : List.of("Amazon EFS (Standard)", "Amazon FSx for Lustre (Persistent SSD)", "Amazon FSx for NetApp ONTAP",
        "Filestore SSD", "Cloud NetApp Volumes (Extreme)", "Azure Files (Premium Prov v2 SSD)", "Azure NetApp Files (Ultra)",
        "Object storage (standard tier)")) {
      assertTrue(names.contains(s), s + " missing from " + names);
    }
    PriceTable.Service lustre = t.stream().filter(s -> s.name().startsWith("Amazon FSx for Lustre")).findFirst().orElseThrow();
    assertEquals(980, lustre.usdPerTbMonth());
    // 140 GB needs the 1.2 TiB minimum: 1.2 TiB x 1024 MB/s per TiB.
    assertEquals(1.2 * 1024e6, lustre.aggregate(140e9), 1);
    assertEquals(1.2 * PriceTable.TIB / 1e12 * 980, lustre.usdPerMonth(140e9), 1e-6);
  }

  @Test
  void rejectsAMalformedRowNamingTheLine() {
    var e = assertThrows(IllegalArgumentException.class, () -> PriceTable.parse(new StringReader(
        "cloud,service,kind,usd_per_tb_month,throughput_mb_s,throughput_mb_s_per_tib,min_provision_tib,note\nAWS,EFS,nfs,300\n")));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }
}
