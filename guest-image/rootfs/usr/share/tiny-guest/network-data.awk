# Reads network_data.json flattened by json.awk (lines "path=value") and prints
# one line per entry of "networks":
#   NETWORK_ID TYPE MAC ADDRESS PREFIX GATEWAY
# MAC is the ethernet_mac_address of the network's link (lower case);
# ADDRESS/PREFIX come from ip_address + netmask (or an ip_address in CIDR form);
# GATEWAY is the gateway of the default route (network 0.0.0.0 or ::).
# A missing field is printed as "-".
function prefix_of(mask,   n, i, o, p, bits) {
  if (mask ~ /^[0-9]+$/) return mask
  n = split(mask, o, ".")
  if (n != 4) return "-"
  bits["255"] = 8; bits["254"] = 7; bits["252"] = 6; bits["248"] = 5
  bits["240"] = 4; bits["224"] = 3; bits["192"] = 2; bits["128"] = 1; bits["0"] = 0
  p = 0
  for (i = 1; i <= 4; i++) {
    if (!(o[i] in bits)) return "-"
    p += bits[o[i]]
  }
  return p
}
function or_dash(v) { return v == "" ? "-" : v }
{
  eq = index($0, "=")
  if (eq == 0) next
  k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
  n = split(k, part, ".")
  if (part[1] == "links" && n == 3) {
    link[part[2], part[3]] = v
    if (part[2] + 1 > nlinks) nlinks = part[2] + 1
  } else if (part[1] == "networks" && n == 3) {
    net[part[2], part[3]] = v
    if (part[2] + 1 > nnets) nnets = part[2] + 1
  } else if (part[1] == "networks" && n == 5 && part[3] == "routes") {
    route[part[2], part[4], part[5]] = v
    if (part[4] + 1 > nroutes[part[2]]) nroutes[part[2]] = part[4] + 1
  }
}
END {
  for (i = 0; i < nlinks; i++) mac_of[link[i, "id"]] = tolower(link[i, "ethernet_mac_address"])
  for (i = 0; i < nnets; i++) {
    addr = net[i, "ip_address"]; pfx = "-"
    if (index(addr, "/")) { pfx = substr(addr, index(addr, "/") + 1); addr = substr(addr, 1, index(addr, "/") - 1) }
    else if (net[i, "netmask"] != "") pfx = prefix_of(net[i, "netmask"])
    gw = ""
    for (r = 0; r < nroutes[i]; r++)
      if (route[i, r, "network"] == "0.0.0.0" || route[i, r, "network"] == "::") gw = route[i, r, "gateway"]
    print or_dash(net[i, "id"]), or_dash(net[i, "type"]), or_dash(mac_of[net[i, "link"]]), or_dash(addr), or_dash(pfx), or_dash(gw)
  }
}
