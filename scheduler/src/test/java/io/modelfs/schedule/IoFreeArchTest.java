package io.modelfs.schedule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The scheduler is shared by the agent (real I/O) and the simulator (simulated I/O), so it must
 * not touch I/O, threads or the wall clock: only java.*, core value types and itself.
 */
class IoFreeArchTest {
  /** The module's own main classes (surefire runs in the module's directory). */
  private static final JavaClasses SCHEDULER = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPath(Path.of("target", "classes"));

  @Test
  void seesTheSchedulerClasses() {
    org.junit.jupiter.api.Assertions.assertTrue(SCHEDULER.contain(SwarmScheduler.class.getName()));
    org.junit.jupiter.api.Assertions.assertTrue(SCHEDULER.contain("io.modelfs.schedule.lease.LeaseTable"));
  }

  @Test
  void dependsOnlyOnTheJdkCoreAndItself() {
    classes().that().resideInAPackage("io.modelfs.schedule..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.modelfs.core..", "io.modelfs.schedule..")
        .check(SCHEDULER);
  }

  @Test
  void usesNoIoThreadsOrClocks() {
    noClasses().that().resideInAPackage("io.modelfs.schedule..")
        .should().dependOnClassesThat().resideInAnyPackage("java.nio.channels..", "java.net..", "java.nio.file..",
            "java.util.concurrent..", "io.netty..", "org.apache.ratis..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Instant")
        .check(SCHEDULER);
  }

  @Test
  void readsTimeOnlyThroughTheTicker() {
    noClasses().that().resideInAPackage("io.modelfs.schedule..").and().doNotHaveSimpleName("Ticker")
        .should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .check(SCHEDULER);
  }
}
