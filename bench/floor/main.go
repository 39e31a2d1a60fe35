// Command floor is the HTTP floor of the benchmark: a server that does only
// what every send must do before any real work — check the bearer JWT
// (HS256, iss the service id, iat recent, signed with the key's secret) and
// decode the JSON body — and answers 201 with a body shaped like the real
// one. Sends per second against it, with the same loader and clients, is
// what Go's HTTP stack and the token check allow on this machine.
//
//	go run ./bench/floor -addr 127.0.0.1:6099 -service ID -secret SECRET
//
// With -postgres (and -redis) it is the storing floor: before answering,
// each request inserts its row into the notifications table of that
// database in a statement of its own (autocommit, durable, as pgbench's
// single-row insert) and, with -redis, adds its id to a Redis stream (one
// XADD), the least a send that is stored and queued costs without any rule
// of the domain. The table must exist (cmd/notifyd's migrations make it).
//
// It serves POST /v2/notifications/sms and /email and GET /_status, and
// stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// maxBody is the largest body accepted, as the real API.
const maxBody = 4 << 20

// tokenWindow is how far iat may be from now, as upstream.
const tokenWindow = 30 * time.Second

type server struct {
	service uuid.UUID
	key     uuid.UUID
	secret  []byte
	parser  *jwt.Parser
	pg      *pgxpool.Pool // nil: nothing stored
	redis   *redis.Client // nil: nothing queued
}

// insertRow is one send's row as cmd/notifyd writes it for an SMS
// template, the statement bench/run.sh gives pgbench.
const insertRow = `INSERT INTO notifications (id, service_id, template_id, template_version, api_key_id, key_type,
  notification_type, recipient, normalised_recipient, client_reference, personalisation, body, subject,
  sender, reply_to, unsubscribe_url, status, queue, international, phone_prefix, rate_multiplier,
  billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number, claimed_until,
  delivery_attempts, created_at, updated_at)
VALUES ($1, $2, $3, 1, $4, 'normal', 'sms', $5, '447700900123', $6, $7, 'Your code is 123456', '',
  'notify', '', NULL, 'created', 'send-sms', false, '44', 1, 1, '', NULL, NULL, NULL, NULL, NULL, 0, now(), NULL)`

// streamKey is the Redis stream the storing floor queues ids on.
const streamKey = "floor:send-sms"

func main() {
	addr := flag.String("addr", "127.0.0.1:6099", "listen address")
	service := flag.String("service", "", "the only service id accepted (the JWT's iss)")
	secret := flag.String("secret", "", "the key secret that signs the JWT")
	key := flag.String("key", "", "with -postgres: the API key id written in each row (a UUID)")
	dsn := flag.String("postgres", "", "PostgreSQL DSN: insert each request's row into its notifications table")
	redisAddr := flag.String("redis", "", "with -postgres: Redis host:port: add each stored id to a stream")
	flag.Parse()
	id, err := uuid.Parse(*service)
	if err != nil || *secret == "" {
		fmt.Fprintln(os.Stderr, "floor: -service (a UUID) and -secret are required")
		os.Exit(2)
	}
	s := &server{service: id, secret: []byte(*secret),
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuedAt(), jwt.WithLeeway(tokenWindow))}
	if *dsn != "" {
		if s.key, err = uuid.Parse(*key); err != nil {
			fmt.Fprintln(os.Stderr, "floor: -postgres needs -key, the API key id (a UUID)")
			os.Exit(2)
		}
		if s.pg, err = pgxpool.New(context.Background(), *dsn); err != nil {
			log.Fatalf("floor: postgres: %v", err)
		}
		defer s.pg.Close()
		if err := s.pg.Ping(context.Background()); err != nil {
			log.Fatalf("floor: postgres: %v", err)
		}
	}
	if *redisAddr != "" {
		if s.pg == nil {
			fmt.Fprintln(os.Stderr, "floor: -redis needs -postgres")
			os.Exit(2)
		}
		s.redis = redis.NewClient(&redis.Options{Addr: *redisAddr})
		defer s.redis.Close()
		if err := s.redis.Ping(context.Background()).Err(); err != nil {
			log.Fatalf("floor: redis: %v", err)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /_status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /v2/notifications/{type}", s.post)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Printf("floor listening on http://%s", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// postBody is the part of a send request the floor decodes.
type postBody struct {
	PhoneNumber     string         `json:"phone_number"`
	EmailAddress    string         `json:"email_address"`
	TemplateID      string         `json:"template_id"`
	Personalisation map[string]any `json:"personalisation"`
	Reference       *string        `json:"reference"`
}

func (s *server) post(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("type")
	if kind != "sms" && kind != "email" {
		writeError(w, http.StatusBadRequest, "ValidationError", "unknown notification type")
		return
	}
	if err := s.authenticate(r.Header.Get("Authorization")); err != nil {
		writeError(w, http.StatusForbidden, "AuthError", err.Error())
		return
	}
	var body postBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestError", "Invalid JSON supplied in POST data")
		return
	}
	id := uuid.New()
	if err := s.store(r.Context(), id, body); err != nil {
		log.Printf("floor: %v", err)
		writeError(w, http.StatusInternalServerError, "Exception", "Internal server error")
		return
	}
	root := "http://" + r.Host + "/"
	content := map[string]any{"body": "Your code is 123456", "from_number": "GOVUK"}
	if kind == "email" {
		content = map[string]any{"from_email": "bench@notifications.service.gov.uk", "body": "Your code is 123456",
			"subject": "Code", "one_click_unsubscribe_url": nil}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": id, "reference": body.Reference, "content": content,
		"uri":           root + "v2/notifications/" + id.String(),
		"template":      map[string]any{"id": body.TemplateID, "version": 1, "uri": root + "services/" + s.service.String() + "/templates/" + body.TemplateID},
		"scheduled_for": nil,
	})
}

// store inserts the request's row and queues its id, when the floor was
// given a database (and a Redis).
func (s *server) store(ctx context.Context, id uuid.UUID, body postBody) error {
	if s.pg == nil {
		return nil
	}
	template, err := uuid.Parse(body.TemplateID)
	if err != nil {
		return fmt.Errorf("template_id %q: %w", body.TemplateID, err)
	}
	personalisation, err := json.Marshal(body.Personalisation)
	if err != nil {
		return fmt.Errorf("personalisation: %w", err)
	}
	if _, err := s.pg.Exec(ctx, insertRow, id, s.service, template, s.key, body.PhoneNumber,
		body.Reference, string(personalisation)); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if s.redis == nil {
		return nil
	}
	if err := s.redis.XAdd(ctx, &redis.XAddArgs{Stream: streamKey, Values: []string{"id", id.String()}}).Err(); err != nil {
		return fmt.Errorf("xadd: %w", err)
	}
	return nil
}

// authenticate checks "Bearer <JWT>": HS256, signed with the secret, iss
// the service, iat within the window.
func (s *server) authenticate(h string) error {
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return errors.New("Authorization header is not a bearer token")
	}
	claims := jwt.MapClaims{}
	if _, err := s.parser.ParseWithClaims(h[7:], claims, func(*jwt.Token) (any, error) { return s.secret, nil }); err != nil {
		return fmt.Errorf("Invalid token: %v", err)
	}
	iss, _ := claims["iss"].(string)
	if iss != s.service.String() {
		return errors.New("Invalid token: service not found")
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return errors.New("Invalid token: missing iat")
	}
	if d := time.Since(iat.Time); d > tokenWindow || d < -tokenWindow {
		return errors.New("Error: Your system clock must be accurate to within 30 seconds")
	}
	return nil
}

func writeError(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status_code": status,
		"errors": []map[string]string{{"error": name, "message": msg}}})
}
