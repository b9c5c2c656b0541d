/* Relay control API: filled in with the routing layer. */
#include "ss-relay.h"
