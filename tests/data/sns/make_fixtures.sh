#!/bin/sh
# make_fixtures.sh — regenerates the signed SNS envelopes and the RS256 JWT fixtures here.
# openssl CLI and POSIX tools only, no network. The test key and certificates are made once
# and committed; `./make_fixtures.sh --new-key` replaces them (then every signature changes).
#
# This is also the reference for signing SNS envelopes elsewhere (e.g. Python `cryptography`):
# the string to sign is "Name\nValue\n" for each signed member in byte order of the name —
#   Notification:  Message, MessageId, Subject (only if present), Timestamp, TopicArn, Type
#   (Un)SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type
# with the values exactly as they appear after JSON decoding (a Message holding JSON is signed
# as that JSON text; "\n" escapes are real newlines). Sign it with RSA PKCS#1 v1.5 over SHA1
# for SignatureVersion "1" or SHA256 for "2", and put the standard base64 (padded) of the
# signature in "Signature". Each *.tosign file below is the exact byte string that was signed.
set -eu
cd "$(dirname "$0")"

KEY=test-key.pem
CERT=test-cert.pem
TOPIC=arn:aws:sns:us-east-1:123456789012:healer-alarms
CERT_URL=https://sns.us-east-1.amazonaws.com/SimpleNotificationService-healer-test.pem
UNSUB_URL="https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=$TOPIC:0b5f4b8e-7d2a-4c1e-9a43-3f7c2d1e8b90"
TOKEN=2336412f37fb687f5d51e6e2425dacbba9c4d6e3b0d8f1a2c4e6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6
SUB_URL="https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=$TOPIC&Token=$TOKEN"

if [ "${1:-}" = --new-key ] || [ ! -f "$KEY" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 36500 \
		-subj "/CN=sns.us-east-1.amazonaws.com/O=healer test fixture, not AWS" 2>/dev/null
	# Same key, validity already over (-days -1): for the expiry check.
	openssl req -new -key "$KEY" -subj "/CN=expired healer test fixture" |
		openssl x509 -req -signkey "$KEY" -days -1 -out expired-cert.pem 2>/dev/null
	# A valid certificate for another key: a signature that must not verify against it.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out other-cert.pem \
		-days 36500 -subj "/CN=other healer test fixture" 2>/dev/null
fi

# JSON string body of $1: escapes backslash, quote and newline (the inputs hold no other
# control characters).
esc() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}

b64url() {
	base64 -w0 | tr '+/' '-_' | tr -d '='
}

# sign <version> < string-to-sign > base64 signature
sign() {
	case "$1" in
	1) md=-sha1 ;;
	2) md=-sha256 ;;
	esac
	openssl dgst "$md" -sign "$KEY" | base64 -w0
}

# notification <out> <version> <message file> <message id> <subject or ""> <timestamp>
notification() {
	msg=$(cat "$3")
	{
		printf 'Message\n%s\nMessageId\n%s\n' "$msg" "$4"
		if [ -n "$5" ]; then printf 'Subject\n%s\n' "$5"; fi
		printf 'Timestamp\n%s\nTopicArn\n%s\nType\nNotification\n' "$6" "$TOPIC"
	} >"${1%.json}.tosign"
	sig=$(sign "$2" <"${1%.json}.tosign")
	{
		printf '{\n  "Type" : "Notification",\n  "MessageId" : "%s",\n' "$4"
		printf '  "TopicArn" : "%s",\n' "$TOPIC"
		if [ -n "$5" ]; then printf '  "Subject" : "%s",\n' "$(esc "$5")"; fi
		printf '  "Message" : "%s",\n' "$(esc "$msg")"
		printf '  "Timestamp" : "%s",\n  "SignatureVersion" : "%s",\n' "$6" "$2"
		printf '  "Signature" : "%s",\n  "SigningCertURL" : "%s",\n' "$sig" "$CERT_URL"
		printf '  "UnsubscribeURL" : "%s"\n}\n' "$UNSUB_URL"
	} >"$1"
}

# confirmation <out> <type> <version> <message id> <message> <timestamp>
confirmation() {
	{
		printf 'Message\n%s\nMessageId\n%s\nSubscribeURL\n%s\n' "$5" "$4" "$SUB_URL"
		printf 'Timestamp\n%s\nToken\n%s\nTopicArn\n%s\nType\n%s\n' "$6" "$TOKEN" "$TOPIC" "$2"
	} >"${1%.json}.tosign"
	sig=$(sign "$3" <"${1%.json}.tosign")
	{
		printf '{\n  "Type" : "%s",\n  "MessageId" : "%s",\n' "$2" "$4"
		printf '  "Token" : "%s",\n  "TopicArn" : "%s",\n' "$TOKEN" "$TOPIC"
		printf '  "Message" : "%s",\n' "$(esc "$5")"
		printf '  "SubscribeURL" : "%s",\n  "Timestamp" : "%s",\n' "$SUB_URL" "$6"
		printf '  "SignatureVersion" : "%s",\n  "Signature" : "%s",\n' "$3" "$sig"
		printf '  "SigningCertURL" : "%s"\n}\n' "$CERT_URL"
	} >"$1"
}

ALARM_SUBJECT='ALARM: "HighCPU-web-1" in US East (N. Virginia)'
OK_SUBJECT='OK: "HighCPU-web-1" in US East (N. Virginia)'

notification notification_alarm_v1.json 1 ../alerts/cloudwatch_alarm.json \
	6c1a8e2e-93b4-5a8f-9f3e-2d0b7c4a1e55 "$ALARM_SUBJECT" 2022-07-09T02:39:54.601Z
notification notification_ok_v2.json 2 ../alerts/cloudwatch_ok.json \
	0e4f6b1d-2a7c-5d3e-8b9a-7c6d5e4f3a21 "$OK_SUBJECT" 2022-07-09T02:49:54.170Z
notification notification_nosubject_v2.json 2 ../alerts/cloudwatch_alarm.json \
	9a8b7c6d-5e4f-5a3b-9c2d-1e0f9a8b7c6d "" 2022-07-09T02:39:54.601Z

confirmation subscription_confirmation.json SubscriptionConfirmation 1 \
	165545c9-2a5c-472c-8df2-7ff2be2b3b1b \
	"You have chosen to subscribe to the topic $TOPIC.
To confirm the subscription, visit the SubscribeURL included in this message." \
	2022-07-08T20:10:01.123Z
confirmation unsubscribe_confirmation.json UnsubscribeConfirmation 2 \
	47138184-6831-46b8-8f7c-afc488602d7d \
	"You have chosen to deactivate subscription $TOPIC:0b5f4b8e-7d2a-4c1e-9a43-3f7c2d1e8b90.
To cancel this operation and restore the subscription, visit the SubscribeURL included in this message." \
	2022-07-10T08:00:00.000Z

# RS256 with the same key, as a JWK (n, e) and a compact JWT: for crypto_verify_rs256_jwk.
n=$(openssl rsa -in "$KEY" -noout -modulus 2>/dev/null | sed 's/^Modulus=//' | xxd -r -p | b64url)
e=$(openssl rsa -in "$KEY" -noout -text 2>/dev/null | sed -n 's/^publicExponent: \([0-9]*\).*/\1/p')
[ "$e" = 65537 ] || { echo "unexpected exponent $e" >&2; exit 1; }
printf '{"kty":"RSA","kid":"healer-test","use":"sig","alg":"RS256","n":"%s","e":"AQAB"}\n' "$n" >jwk.json
h=$(printf '{"alg":"RS256","kid":"healer-test","typ":"JWT"}' | b64url)
p=$(printf '{"iss":"https://api.botframework.com","aud":"healer-test-app","exp":4102444800}' | b64url)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$KEY" | b64url)
printf '%s.%s.%s\n' "$h" "$p" "$s" >jwt_rs256.txt
