package dev.nanogen.gateway.sse;

import dev.nanogen.gateway.account.AccountController;
import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.events.EventsProperties;
import dev.nanogen.gateway.events.UserEvents;
import dev.nanogen.gateway.generation.Generations;
import dev.nanogen.gateway.web.ClientThrottle;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The open event streams of this replica, fed by tailing user_events (so a change made by any
 * replica reaches a stream on any other). A stream is an async {@link SseEmitter}: no thread is
 * held while it is idle; each stream sends on a virtual thread of its own, in event-id order, so a
 * slow client delays only itself. What an event says is read when it is sent: the generation as GET
 * /api/generation/{id} answers it, the balance as GET /api/me does.
 *
 * <p>Tailing: ids come from a sequence, and a transaction may commit after one holding a higher id,
 * so the tail delivers every row it sees and advances past a missing id only once it shows up or
 * has been missing for {@code gap-wait} (a rolled-back insert leaves a hole forever).
 *
 * <p>What a stream costs is bounded: a reconnect's replay is three queries whatever it missed, a
 * user opens at most {@code reconnects-per-minute} streams a minute here (one more is 429) and
 * holds at most {@link #MAX_PER_USER}, and a banned user's streams end at the next heartbeat.
 */
@Component
class EventStreams {
  private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

  /** Streams one user may hold at once; a further one closes the oldest. */
  static final int MAX_PER_USER = 5;

  private static final int BATCH = 1000;

  private final UserEvents store;
  private final Generations generations;
  private final AccountController accounts;
  private final EventsProperties settings;
  private final Users users;
  private final ClientThrottle opens;
  private final Map<Long, Deque<Stream>> byUser = new ConcurrentHashMap<>();

  /**
   * The standing (premium, chat status) each streaming user's balance events show: the one they
   * signed in with, refreshed with every heartbeat, so a balance event costs one read.
   */
  private final Map<Long, Users.Standing> standings = new ConcurrentHashMap<>();

  private final Set<Stream> all = new CopyOnWriteArraySet<>();
  private final Executor senders = Executors.newVirtualThreadPerTaskExecutor();
  private final TreeSet<Long> deliveredAboveTail = new TreeSet<>();
  private long tail = -1;
  private long gapSince;

  EventStreams(
      UserEvents store,
      Generations generations,
      AccountController accounts,
      EventsProperties settings,
      Users users,
      MeterRegistry meters) {
    this.users = users;
    this.opens =
        new ClientThrottle(settings.reconnectsPerMinute(), java.time.Duration.ofMinutes(1));
    this.store = store;
    this.generations = generations;
    this.accounts = accounts;
    this.settings = settings;
    Gauge.builder("nanogen.events.streams", all, Set::size)
        .description("open GET /api/events streams on this replica")
        .register(meters);
  }

  /**
   * A new stream for {@code userId}: after {@code lastEventId} (a reconnect) it first gets every
   * later event still retained, else only what happens from now on.
   */
  SseEmitter open(long userId, Users.Standing standing, Long lastEventId) {
    if (!opens.count(Long.toString(userId))) {
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED, opens.allowed(), opens.window().toSeconds());
    }
    SseEmitter emitter = new SseEmitter(0L); // no timeout: the client or a failed write ends it
    long from = lastEventId != null ? lastEventId : store.newest();
    Stream stream = new Stream(userId, emitter, from);
    emitter.onCompletion(() -> close(stream));
    emitter.onTimeout(() -> close(stream));
    emitter.onError(e -> close(stream));
    Deque<Stream> streams = byUser.computeIfAbsent(userId, u -> new ArrayDeque<>());
    Stream evicted = null;
    synchronized (streams) {
      streams.addLast(stream);
      if (streams.size() > MAX_PER_USER) {
        evicted = streams.pollFirst();
      }
    }
    // After the stream is registered: the heartbeat's prune keeps the standings of registered
    // users.
    standings.put(userId, standing);
    all.add(stream);
    if (evicted != null) {
      end(evicted);
    }
    // Registered before the replay is read, so nothing committed in between is missed; the stream
    // sends nothing until the replay is queued, and sends in id order, each id once.
    if (lastEventId != null) {
      replay(stream, store.after(userId, lastEventId, BATCH));
    }
    stream.offer(Item.comment("connected"));
    stream.ready();
    return emitter;
  }

  /**
   * Queues a reconnect's missed events with what they say read in one query per kind (its
   * generations, its balance), whatever their number: an event says what is true when it is sent,
   * so every event of one generation carries the same view.
   */
  private void replay(Stream stream, List<UserEvents.Event> missed) {
    List<java.util.UUID> ids =
        missed.stream()
            .filter(e -> e.kind().equals("generation"))
            .map(UserEvents.Event::generationId)
            .distinct()
            .toList();
    Map<java.util.UUID, Generations.View> views = new java.util.HashMap<>();
    generations.findAll(stream.userId, ids).forEach(v -> views.put(v.generationId(), v));
    Optional<?> balance =
        missed.stream().anyMatch(e -> e.kind().equals("balance"))
            ? accounts.me(stream.userId, standingOf(stream.userId))
            : Optional.empty();
    for (UserEvents.Event event : missed) {
      Object body =
          event.kind().equals("generation")
              ? views.get(event.generationId())
              : balance.orElse(null);
      if (body != null) {
        stream.offer(new Item(event.id(), event.kind(), event.generationId(), null, body));
      }
    }
  }

  /**
   * Ends the streams of users banned since they opened them, and refreshes the standing the others'
   * balance events show (premium, chat status): one query, with the heartbeat, for every user with
   * a stream here.
   */
  private void watchStreamingUsers() {
    // Standings of users whose streams all ended go here, not when the last one closes: a close
    // racing a new open cannot take the new stream's standing away.
    standings.keySet().retainAll(byUser.keySet());
    if (byUser.isEmpty()) {
      return;
    }
    users
        .watchedAmong(List.copyOf(byUser.keySet()))
        .forEach(
            (userId, watched) -> {
              if (!watched.banned()) {
                if (byUser.containsKey(userId)) {
                  standings.put(userId, watched.standing());
                }
                return;
              }
              Deque<Stream> streams = byUser.get(userId);
              if (streams == null) {
                return;
              }
              List<Stream> ending;
              synchronized (streams) {
                ending = List.copyOf(streams);
              }
              ending.forEach(this::end);
              log.info("closed {} event streams of user {}, banned", ending.size(), userId);
            });
  }

  /** The stream's standing; read afresh only if a close raced an open and took it away. */
  private Users.Standing standingOf(long userId) {
    Users.Standing standing = standings.get(userId);
    return standing != null
        ? standing
        : users.standing(userId).orElse(new Users.Standing(false, false));
  }

  @Scheduled(fixedDelayString = "#{" + EventsProperties.SETTINGS + ".poll()}")
  synchronized void poll() {
    if (all.isEmpty() && tail >= 0) {
      tail = store.newest();
      deliveredAboveTail.clear();
      return;
    }
    if (tail < 0) {
      tail = store.newest();
      return;
    }
    List<UserEvents.Event> events = store.after(tail, BATCH);
    for (UserEvents.Event event : events) {
      if (deliveredAboveTail.add(event.id())) {
        Deque<Stream> streams = byUser.get(event.userId());
        if (streams != null) {
          synchronized (streams) {
            streams.forEach(s -> s.offer(Item.of(event)));
          }
        }
      }
    }
    advance();
  }

  /** Moves the tail over the ids delivered, and over a hole older than gap-wait. */
  private void advance() {
    long now = System.nanoTime();
    while (!deliveredAboveTail.isEmpty()) {
      if (deliveredAboveTail.first() == tail + 1) {
        tail = deliveredAboveTail.pollFirst();
        gapSince = 0;
      } else if (gapSince == 0) {
        gapSince = now;
        return;
      } else if (now - gapSince > settings.gapWait().toNanos()) {
        tail = deliveredAboveTail.first() - 1; // the ids in between never committed
        gapSince = 0;
      } else {
        return;
      }
    }
  }

  @Scheduled(fixedDelayString = "#{" + EventsProperties.SETTINGS + ".heartbeat()}")
  void heartbeat() {
    watchStreamingUsers();
    all.forEach(s -> s.offer(Item.comment("keep-alive")));
  }

  /** Ends {@code stream} from this side: the client sees the stream end. */
  private void end(Stream stream) {
    stream.emitter.complete();
    close(stream);
  }

  private void close(Stream stream) {
    stream.closed = true;
    all.remove(stream);
    Deque<Stream> streams = byUser.get(stream.userId);
    if (streams != null) {
      synchronized (streams) {
        streams.remove(stream);
        if (streams.isEmpty()) {
          byUser.remove(stream.userId, streams);
        }
      }
    }
  }

  int open() {
    return all.size();
  }

  /**
   * An event to send, or a comment (id -1, sent first); {@code body}, when read already (a replay),
   * is sent as is, else read when the event is sent.
   */
  private record Item(
      long id, String kind, java.util.UUID generationId, String comment, Object body) {
    static Item of(UserEvents.Event event) {
      return new Item(event.id(), event.kind(), event.generationId(), null, null);
    }

    static Item comment(String text) {
      return new Item(-1, null, null, text, null);
    }
  }

  /** One client's stream: its queue, sent in id order by one virtual thread at a time. */
  private final class Stream {
    final long userId;
    final SseEmitter emitter;
    private final PriorityQueue<Item> queue =
        new PriorityQueue<>(Comparator.comparingLong(Item::id));
    private long lastSent;
    private boolean ready;
    private boolean draining;
    volatile boolean closed;

    Stream(long userId, SseEmitter emitter, long lastSent) {
      this.userId = userId;
      this.emitter = emitter;
      this.lastSent = lastSent;
    }

    void offer(Item item) {
      synchronized (this) {
        if (closed) {
          return;
        }
        queue.add(item);
        if (!ready || draining) {
          return;
        }
        draining = true;
      }
      senders.execute(this::drain);
    }

    void ready() {
      synchronized (this) {
        ready = true;
        if (draining || queue.isEmpty()) {
          return;
        }
        draining = true;
      }
      senders.execute(this::drain);
    }

    private void drain() {
      while (true) {
        Item item;
        synchronized (this) {
          item = queue.poll();
          if (item == null || closed) {
            draining = false;
            return;
          }
        }
        if (item.id() >= 0 && item.id() <= lastSent) {
          continue;
        }
        try {
          send(item);
          if (item.id() >= 0) {
            lastSent = item.id();
          }
        } catch (IOException | RuntimeException e) {
          log.debug("event stream of user {} ended: {}", userId, e.toString());
          emitter.completeWithError(e);
          close(this);
          return;
        }
      }
    }

    private void send(Item item) throws IOException {
      if (item.comment() != null) {
        emitter.send(SseEmitter.event().comment(item.comment()));
        return;
      }
      Optional<?> body =
          item.body() != null
              ? Optional.of(item.body())
              : item.kind().equals("generation")
                  ? generations.find(userId, item.generationId())
                  : accounts.me(userId, standingOf(userId));
      if (body.isPresent()) {
        emitter.send(
            SseEmitter.event()
                .id(Long.toString(item.id()))
                .name(item.kind())
                .data(body.get(), MediaType.APPLICATION_JSON));
      }
    }
  }
}
