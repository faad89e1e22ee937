/* mock-kafka: hosts librdkafka's in-memory mock Kafka cluster (rdkafka_mock.h) for tests.
 *
 * Usage: mock-kafka [-k] [-b BROKERS] [TOPIC:PARTITIONS ...]
 *   -b N   number of brokers (default 3); broker ids are 1..N
 *   -k     keep running without reading stdin (stop with SIGTERM/SIGINT)
 * The first stdout line is "bootstrap.servers=HOST:PORT,...". Without -k it then reads one command
 * per line on stdin and answers "ok" or "error ..." per command; stdin EOF stops it:
 *   topic NAME PARTS      create a topic with PARTS partitions
 *   down ID | up ID       disconnect broker ID and refuse connections / accept them again
 *                         (the mock moves no partition leadership by itself)
 *   leader NAME PART ID   make broker ID the leader of partition PART of topic NAME
 *   rtt ID MS             delay every response of broker ID by MS milliseconds (0: none), as a
 *                         broker across a network would
 *   quit                  stop
 * Build: cc -O2 -o mock-kafka mock-kafka.c -lrdkafka   (Debian: librdkafka-dev)
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int parts) {
  if (!name[0] || parts < 1) return -1;
  /* The mock ignores the replication factor; it replicates to min(3, brokers). */
  return rd_kafka_mock_topic_create(mc, name, parts, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static void reply(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) printf("ok\n");
  else printf("error %s\n", rd_kafka_err2str(err));
}

/* Runs one command line; returns 1 when it asks to quit. */
static int run_command(rd_kafka_mock_cluster_t *mc, char *line) {
  char name[256];
  int a = 0, b = 0;
  line[strcspn(line, "\r\n")] = '\0';
  if (line[0] == '\0') return 0;
  if (strcmp(line, "quit") == 0) {
    printf("ok\n");
    return 1;
  } else if (sscanf(line, "topic %255s %d", name, &a) == 2) {
    reply(a < 1 ? RD_KAFKA_RESP_ERR__INVALID_ARG : rd_kafka_mock_topic_create(mc, name, a, 1));
  } else if (sscanf(line, "down %d", &a) == 1) {
    reply(rd_kafka_mock_broker_set_down(mc, a));
  } else if (sscanf(line, "up %d", &a) == 1) {
    reply(rd_kafka_mock_broker_set_up(mc, a));
  } else if (sscanf(line, "leader %255s %d %d", name, &a, &b) == 3) {
    reply(rd_kafka_mock_partition_set_leader(mc, name, a, b));
  } else if (sscanf(line, "rtt %d %d", &a, &b) == 2) {
    reply(b < 0 ? RD_KAFKA_RESP_ERR__INVALID_ARG : rd_kafka_mock_broker_set_rtt(mc, a, b));
  } else {
    printf("error unknown command: %s\n", line);
  }
  return 0;
}

int main(int argc, char **argv) {
  int brokers = 3, keep = 0, opt, code = 0;
  char errstr[512];

  while ((opt = getopt(argc, argv, "kb:")) != -1) {
    if (opt == 'k') keep = 1;
    else if (opt == 'b') brokers = atoi(optarg);
    else {
      fprintf(stderr, "usage: %s [-k] [-b BROKERS] [TOPIC:PARTITIONS ...]\n", argv[0]);
      return 2;
    }
  }
  if (brokers < 1) {
    fprintf(stderr, "mock-kafka: -b needs a positive broker count\n");
    return 2;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR on a signal */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* librdkafka's threads inherit this mask: only the main thread receives SIGTERM/SIGINT, so they
   * always interrupt its poll()/pause(). */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  /* The mock cluster needs a client handle to live in; it never connects anywhere. */
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* Hide the notice that this idle handle has no bootstrap.servers; warnings and errors still show. */
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "mock-kafka: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "mock-kafka: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);

  for (int i = optind; i < argc; i++) {
    char name[256];
    const char *colon = strrchr(argv[i], ':');
    size_t len = colon ? (size_t)(colon - argv[i]) : 0;
    if (len >= sizeof name) len = 0;
    memcpy(name, argv[i], len);
    name[len] = '\0';
    if (!colon || create_topic(mc, name, atoi(colon + 1)) != 0) {
      fprintf(stderr, "mock-kafka: bad topic spec or create failed: %s (want NAME:PARTITIONS)\n", argv[i]);
      code = 2;
      goto done;
    }
  }

  printf("bootstrap.servers=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  size_t used = 0;
  while (!stop_requested) {
    if (keep) {
      pause();
      continue;
    }
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    int n = poll(&pfd, 1, 500);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    /* read() rather than stdio, so a signal never leaves us blocked inside fgets(). */
    ssize_t got = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
    if (got <= 0) break; /* EOF or error on stdin: stop */
    used += (size_t)got;
    line[used] = '\0';
    char *start = line, *nl;
    int quit = 0;
    while (!quit && (nl = strchr(start, '\n')) != NULL) {
      *nl = '\0';
      quit = run_command(mc, start);
      fflush(stdout);
      start = nl + 1;
    }
    if (quit) break;
    used = strlen(start);
    memmove(line, start, used + 1);
    if (used == sizeof line - 1) used = 0; /* an over-long line is dropped */
  }

done:
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return code;
}
