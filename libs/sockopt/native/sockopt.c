// Node-API addon: socket options that Node's net module does not expose.
//   getOriginalDst(fd, family) -> { address, port, family } | throws
//   setTransparent(fd, family, on) -> undefined | throws
// Written against the stable Node-API so one build works for every Node version.
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter_ipv4.h>

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s failed: %s (errno %d)", what, strerror(err), err);
  char code[32];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, msg);
  return NULL;
}

static int read_int_arg(napi_env env, napi_value v, int32_t* out, const char* name) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value get_original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "getOriginalDst(fd, family) needs 2 arguments");
    return NULL;
  }
  int32_t fd, family;
  if (!read_int_arg(env, argv[0], &fd, "fd") || !read_int_arg(env, argv[1], &family, "family")) return NULL;

  char text[INET6_ADDRSTRLEN];
  unsigned port;
  if (family == 6) {
    struct sockaddr_in6 sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &sa, &len) != 0) {
      return throw_errno(env, "getsockopt(IP6T_SO_ORIGINAL_DST)", errno);
    }
    inet_ntop(AF_INET6, &sa.sin6_addr, text, sizeof text);
    port = ntohs(sa.sin6_port);
  } else {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &sa, &len) != 0) {
      return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
    }
    inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
    port = ntohs(sa.sin_port);
  }

  napi_value result, address, port_value, family_value;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address);
  napi_create_uint32(env, port, &port_value);
  napi_create_string_utf8(env, family == 6 ? "IPv6" : "IPv4", NAPI_AUTO_LENGTH, &family_value);
  napi_set_named_property(env, result, "address", address);
  napi_set_named_property(env, result, "port", port_value);
  napi_set_named_property(env, result, "family", family_value);
  return result;
}

static napi_value set_transparent(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "setTransparent(fd, family, on) needs 3 arguments");
    return NULL;
  }
  int32_t fd, family;
  bool on;
  if (!read_int_arg(env, argv[0], &fd, "fd") || !read_int_arg(env, argv[1], &family, "family")) return NULL;
  if (napi_get_value_bool(env, argv[2], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "on must be a boolean");
    return NULL;
  }
  int value = on ? 1 : 0;
  int rc = family == 6 ? setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &value, sizeof value)
                       : setsockopt(fd, SOL_IP, IP_TRANSPARENT, &value, sizeof value);
  if (rc != 0) return throw_errno(env, family == 6 ? "setsockopt(IPV6_TRANSPARENT)" : "setsockopt(IP_TRANSPARENT)", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"getOriginalDst", NULL, get_original_dst, NULL, NULL, NULL, napi_default, NULL},
    {"setTransparent", NULL, set_transparent, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
