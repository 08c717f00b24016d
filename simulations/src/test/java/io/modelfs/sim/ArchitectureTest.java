package io.modelfs.sim;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.modelfs.schedule.Actions;
import io.modelfs.schedule.Ticker;
import org.junit.jupiter.api.Test;

/**
 * The simulator drives the agent's scheduler; it must never carry a policy of its own. So no
 * class in {@code io.modelfs.sim} may implement or extend a type of the scheduler module other
 * than the two the driver must provide ({@link Actions}, {@link Ticker}); and the simulator
 * stays free of the agent, Netty and Ratis (it would otherwise be tempted to run them).
 */
class ArchitectureTest {
  private static final JavaClasses SIM = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.modelfs.sim");

  private static final DescribedPredicate<JavaClass> SCHEDULER_POLICY_TYPE =
      new DescribedPredicate<>("a scheduler type other than Actions and Ticker") {
        @Override
        public boolean test(JavaClass c) {
          return c.getPackageName().startsWith("io.modelfs.schedule")
              && !c.isEquivalentTo(Actions.class) && !c.isEquivalentTo(Ticker.class);
        }
      };

  @Test
  void noSimulatorClassImplementsOrExtendsASchedulerPolicyType() {
    ArchRule rule = noClasses().that().resideInAPackage("io.modelfs.sim..")
        .should().beAssignableTo(SCHEDULER_POLICY_TYPE)
        .because("peer selection, priorities, leases and endgame must be the scheduler's own classes");
    rule.check(SIM);
  }

  @Test
  void theSimulatorDependsOnNeitherTheAgentNorNettyNorRatis() {
    noClasses().that().resideInAPackage("io.modelfs.sim..")
        .should().dependOnClassesThat().resideInAnyPackage("io.modelfs.agent..", "io.netty..", "org.apache.ratis..",
            "io.modelfs.tracker..", "io.modelfs.p2p..")
        .check(SIM);
  }

  @Test
  void theRuleCatchesSchedulerTypesButNotTheDriversActions() {
    // Every public scheduler type is final or sealed, so no impostor can be compiled; check the
    // rule against the scheduler's own class (assignable to itself) and the driver's Actions.
    ArchRule rule = noClasses().should().beAssignableTo(SCHEDULER_POLICY_TYPE);
    rule.check(new ClassFileImporter().importClasses(NodeActions.class, Simulator.class));
    org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
        () -> rule.check(new ClassFileImporter().importClasses(io.modelfs.schedule.SwarmScheduler.class)));
  }
}
