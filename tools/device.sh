#!/usr/bin/env bash
# The board side, with the values of nf.config (target, serial_port, uart settings).
#
#   bash tools/device.sh flash NANOCLR_BIN     write a firmware built with the interop (see README)
#                                              to the board: nanoff --update --clrfile
#   bash tools/device.sh monitor [TTY] [LOG]   show the prediction UART (nf.config uart_baud) and
#                                              keep a copy in LOG (default device.log)
#   bash tools/device.sh compare LOG HOST_LOG  compare a board's capture with the host runner's
#
# Needs nanoff (dotnet tool install -g nanoff) for flash; the app itself is deployed from Visual
# Studio (or with nanoff --deploy of the .bin that Visual Studio's build writes).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# conf KEY: the value of KEY in nf.config.
conf() {
  local v
  v="$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([^#[:space:]]*\).*/\1/p" "$repo/nf.config" | head -n 1)"
  [ -n "$v" ] || { echo "nf.config has no $1" >&2; exit 2; }
  printf '%s' "$v"
}

case "${1:-}" in
  flash)
    [ -f "${2:-}" ] || { echo "usage: $0 flash path/to/nanoCLR.bin" >&2; exit 2; }
    exec nanoff --target "$(conf target)" --serialport "$(conf serial_port)" --update --clrfile "$2"
    ;;
  monitor)
    tty="${2:-$(conf uart_monitor_port)}"
    log="${3:-device.log}"
    stty -F "$tty" "$(conf uart_baud)" cs8 -cstopb -parenb raw -echo
    echo "reading $tty at $(conf uart_baud) baud into $log (Ctrl-C to stop)" >&2
    exec tee "$log" <"$tty"
    ;;
  compare)
    [ -f "${2:-}" ] && [ -f "${3:-}" ] || { echo "usage: $0 compare DEVICE_LOG HOST_LOG" >&2; exit 2; }
    dotnet build "$repo/tools/dotnet/MambaNano.Host" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
    exec dotnet "$repo/tools/dotnet/MambaNano.Host/bin/Release/net10.0/mambanano-host.dll" compare "$2" "$3"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
