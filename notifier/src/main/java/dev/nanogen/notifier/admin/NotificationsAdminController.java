package dev.nanogen.notifier.admin;

import dev.nanogen.notifier.delivery.ParkedNotifications;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Parked notifications (Telegram failing for max-retry-age) for admins, and their re-queue. */
@RestController
class NotificationsAdminController {
  private final ParkedNotifications parked;

  NotificationsAdminController(ParkedNotifications parked) {
    this.parked = parked;
  }

  record Parked(List<ParkedNotifications.Item> items) {}

  record Requeued(int requeued) {}

  @GetMapping("/api/admin/notifications/parked")
  Parked list(@RequestParam(defaultValue = "100") int limit) {
    return new Parked(parked.list(Math.clamp(limit, 1, 1000)));
  }

  @PostMapping("/api/admin/notifications/parked/requeue")
  Requeued requeueAll() {
    return new Requeued(parked.requeue(null));
  }

  @PostMapping("/api/admin/notifications/parked/{id}/requeue")
  Requeued requeue(@PathVariable long id) {
    return new Requeued(parked.requeue(id));
  }
}
