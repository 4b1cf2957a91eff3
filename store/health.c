/* health.c — the store's reachability, shared by every connection and
 * thread of the process (see health.h). */
#include "store/health.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/store.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_health state;
static int64_t reminded;    /* when the last line about it was written */
static int64_t trying_until; /* a reconnect under way ends by then (monotonic ms) */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool store_health_try(bool probe, int64_t limit_ms)
{
	int64_t now = mono_ms();
	bool ok = true;
	pthread_mutex_lock(&lock);
	if (state.unavailable && (!probe || now < trying_until))
		ok = false;
	else
		trying_until = now + limit_ms;
	pthread_mutex_unlock(&lock);
	return ok;
}

void store_health_down(const char *label, const char *error)
{
	int64_t now = (int64_t)time(NULL);
	int len = error ? (int)strcspn(error, "\n") : 0;
	pthread_mutex_lock(&lock);
	trying_until = 0;
	snprintf(state.last_error, sizeof state.last_error, "%.*s", len, error ? error : "");
	snprintf(state.label, sizeof state.label, "%s", label);
	if (!state.unavailable) {
		state.unavailable = true;
		state.since = now;
		reminded = now;
		log_err("store %s: unavailable: %s; reconnecting in the background (answers "
			"from memory, 503 for items meanwhile)", label, state.last_error);
	} else if (now - reminded >= STORE_HEALTH_REMIND_S) {
		reminded = now;
		log_warn("store %s: still unavailable, for %llds: %s", label,
			 (long long)(now - state.since), state.last_error);
	}
	pthread_mutex_unlock(&lock);
}

void store_health_up(const char *label)
{
	pthread_mutex_lock(&lock);
	trying_until = 0;
	if (state.unavailable) {
		state.unavailable = false;
		log_notice("store %s: available again, after %llds", label,
			   (long long)((int64_t)time(NULL) - state.since));
	}
	pthread_mutex_unlock(&lock);
}

bool store_health_unavailable(void)
{
	pthread_mutex_lock(&lock);
	bool u = state.unavailable;
	pthread_mutex_unlock(&lock);
	return u;
}

void store_health_get(struct store_health *out)
{
	pthread_mutex_lock(&lock);
	*out = state;
	pthread_mutex_unlock(&lock);
}
