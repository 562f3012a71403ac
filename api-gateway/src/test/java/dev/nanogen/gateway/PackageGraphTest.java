package dev.nanogen.gateway;

import dev.nanogen.testkit.CodeShape;
import org.junit.jupiter.api.Test;

/** The gateway's packages depend on each other without a cycle (read from compiled classes). */
class PackageGraphTest {
  @Test
  void the_packages_depend_on_each_other_without_a_cycle() {
    CodeShape.assertPackagesAcyclic("dev.nanogen.gateway");
  }
}
