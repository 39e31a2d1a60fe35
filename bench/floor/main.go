// Command floor is the HTTP floor of the benchmark: a server that does only
// what every send must do before any real work — check the bearer JWT
// (HS256, iss the service id, iat recent, signed with the key's secret) and
// decode the JSON body — and answers 201 with a body shaped like the real
// one. Sends per second against it, with the same loader and clients, is
// what Go's HTTP stack and the token check allow on this machine.
//
//	go run ./bench/floor -addr 127.0.0.1:6099 -service ID -secret SECRET
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
)

// maxBody is the largest body accepted, as the real API.
const maxBody = 4 << 20

// tokenWindow is how far iat may be from now, as upstream.
const tokenWindow = 30 * time.Second

type server struct {
	service uuid.UUID
	secret  []byte
	parser  *jwt.Parser
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6099", "listen address")
	service := flag.String("service", "", "the only service id accepted (the JWT's iss)")
	secret := flag.String("secret", "", "the key secret that signs the JWT")
	flag.Parse()
	id, err := uuid.Parse(*service)
	if err != nil || *secret == "" {
		fmt.Fprintln(os.Stderr, "floor: -service (a UUID) and -secret are required")
		os.Exit(2)
	}
	s := &server{service: id, secret: []byte(*secret),
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuedAt(), jwt.WithLeeway(tokenWindow))}

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
