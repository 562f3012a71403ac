package dev.nanogen.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.BackOffExecution;

class BackoffTest {

  @Test
  void doubling_waits_first_then_twice_as_long_each_retry_up_to_the_cap() {
    Backoff backoff = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

    List<Long> waits = new ArrayList<>();
    for (int n = 1; n <= 8; n++) {
      waits.add(backoff.delay(n).toMillis());
    }

    assertThat(waits).containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
    assertThat(backoff.delay(0)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.delay(10_000)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void a_loop_that_keeps_its_last_wait_steps_up_the_same_way() {
    Backoff backoff = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(1));

    Duration wait = Duration.ZERO;
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      wait = backoff.after(wait);
      waits.add(wait.toMillis());
    }

    assertThat(waits).containsExactly(200L, 400L, 800L, 1000L, 1000L);
  }

  @Test
  void jitter_spreads_each_wait_within_its_fraction_and_not_onto_one_value() {
    Backoff backoff = Backoff.steady(Duration.ofSeconds(1), 0.2);

    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      waits.add(backoff.delay(3).toMillis());
    }

    assertThat(waits).allSatisfy(w -> assertThat(w).isBetween(800L, 1200L));
    assertThat(waits.stream().distinct().count()).isGreaterThan(50);
  }

  @Test
  void as_spring_back_off_it_stops_before_the_summed_waits_pass_the_limit() {
    Backoff backoff = Backoff.doubling(Duration.ofMillis(500), Duration.ofSeconds(10));

    BackOffExecution execution = backoff.untilElapsed(Duration.ofSeconds(20)).start();
    List<Long> waits = new ArrayList<>();
    for (long wait = execution.nextBackOff();
        wait != BackOffExecution.STOP;
        wait = execution.nextBackOff()) {
      waits.add(wait);
    }

    // 500 + 1000 + 2000 + 4000 + 8000 = 15.5 s; a further 10 s would pass 20 s.
    assertThat(waits).containsExactly(500L, 1000L, 2000L, 4000L, 8000L);
  }

  @Test
  void without_a_limit_spring_keeps_retrying_at_the_cap() {
    BackOffExecution execution =
        Backoff.doubling(Duration.ofMillis(500), Duration.ofSeconds(30)).untilElapsed(null).start();

    long last = 0;
    for (int i = 0; i < 1000; i++) {
      last = execution.nextBackOff();
    }

    assertThat(last).isEqualTo(30_000L);
  }

  @Test
  void a_back_off_that_would_never_wait_or_shrink_is_refused() {
    assertThatThrownBy(() -> Backoff.doubling(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Backoff.doubling(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(2), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Backoff.steady(Duration.ofSeconds(1), 1.0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
