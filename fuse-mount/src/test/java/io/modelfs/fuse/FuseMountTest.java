package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuseMountTest {
  @Test
  void optionsAskForAReadOnlyCachedMount() {
    String[] args = FuseMount.options(MountConfig.defaults()
        .withCacheTimeouts(Duration.ofMillis(1500), Duration.ofHours(1))
        .withExtraOptions(List.of("debug")));
    assertEquals("-o", args[0]);
    assertEquals("ro,allow_other,default_permissions,kernel_cache,use_ino,fsname=modelfs,subtype=modelfs,"
        + "entry_timeout=1.5,attr_timeout=3600,max_read=131072,debug", args[1]);
  }
}
