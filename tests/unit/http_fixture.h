/* http_fixture.h — for tests that talk to the real HTTP server from a worker thread: a
 * loopback connection with a receive timeout, and the completion that stops the loop.
 * Include after loop_fixture.h. */
#ifndef HEALER_HTTP_FIXTURE_H
#define HEALER_HTTP_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A TCP connection to 127.0.0.1:p that gives up reading after 3 s; -1 if refused. */
static int
raw_connect(int p)
{
	struct sockaddr_in sa;
	struct timeval tv = {3, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A worker job's completion: stops the loop run_loop() is running. */
static void
work_stop_done(void *arg, enum work_status status)
{
	(void)arg;
	(void)status;
	loop_stop();
}

#endif
