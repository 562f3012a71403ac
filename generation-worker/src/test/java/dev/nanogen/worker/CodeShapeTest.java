package dev.nanogen.worker;

import dev.nanogen.testkit.CodeShape;
import org.junit.jupiter.api.Test;

/** The worker's packages depend on each other without a cycle (read from compiled classes). */
class CodeShapeTest {
  @Test
  void the_packages_depend_on_each_other_without_a_cycle() {
    CodeShape.assertPackagesAcyclic("dev.nanogen.worker");
  }
}
