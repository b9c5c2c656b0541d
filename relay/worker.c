/* Relay worker thread. */
#include "ss-relay.h"
