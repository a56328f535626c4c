package admin

import (
	"net/http"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The user routes: a domain's users list them; its manage users (and
// administrators) create, change, reset and delete them; everyone changes
// their own password.

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	users, err := a.grants.Users(u, r.PathValue("domain"))
	if err != nil {
		return err
	}
	out := shareapi.Accounts{Users: make([]shareapi.Account, len(users))}
	for i, v := range users {
		out.Users[i] = accountObject(v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// userAudit is what the audit log keeps of a user after a change.
func userAudit(v grants.User) []any {
	return []any{"role", string(v.Role), "disabled", v.Disabled}
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain := r.PathValue("domain")
	var req shareapi.CreateAccount
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventCreateUser, target{grants.KindUser, domain, req.Name}, after, err)
	}()
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	v, password, err := a.grants.CreateUser(r.Context(), u, grants.UserSpec{
		Domain: domain, Name: req.Name, Role: grants.Role(req.Role), Password: req.Password,
	}, a.now())
	if err != nil {
		return err
	}
	after = userAudit(v)
	out := shareapi.CreatedAccount{Account: accountObject(v)}
	if req.Password == "" {
		out.Password = password // drawn here: shown this once
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("user")
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventUpdateUser, target{grants.KindUser, domain, name}, after, err)
	}()
	var req shareapi.UpdateAccount
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	up := grants.UserUpdate{Disabled: req.Disabled}
	if req.Role != nil {
		role := grants.Role(*req.Role)
		up.Role = &role
	}
	v, err := a.grants.UpdateUser(r.Context(), u, domain, name, up, a.now())
	if err != nil {
		return err
	}
	after = userAudit(v)
	writeJSON(w, http.StatusOK, accountObject(v))
	return nil
}

// resetPassword draws a new password for a user, shown this once.
func (a *API) resetPassword(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("user")
	defer func() {
		a.auditAccount(r, u, grants.EventPasswordReset, target{grants.KindUser, domain, name}, nil, err)
	}()
	password, err := a.grants.ResetPassword(r.Context(), u, domain, name, a.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shareapi.NewPassword{Name: name, Password: password})
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("user")
	defer func() { a.auditAccount(r, u, grants.EventDeleteUser, target{grants.KindUser, domain, name}, nil, err) }()
	if err = a.grants.DeleteUser(r.Context(), u, domain, name, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// changePassword sets the caller's own password, given the current one.
// Its tokens and cached credentials bound to the old one stop working.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	defer func() {
		a.auditAccount(r, u, grants.EventPasswordOwn, target{grants.KindUser, u.Domain, u.Name}, nil, err)
	}()
	var req shareapi.ChangePassword
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	if err = a.grants.ChangePassword(r.Context(), u, req.CurrentPassword, req.NewPassword, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
