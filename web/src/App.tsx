// Routes, and the gate that sends visitors to setup or sign-in (and back to where they were).
import { Center, Loader } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { api, onSessionEnded, unwrap } from "./api/client";
import { LoginPage } from "./auth/LoginPage";
import { SetupPage } from "./auth/SetupPage";
import { useMe } from "./auth/session";
import { ContainerPage } from "./containers/ContainerPage";
import { ContainersPage } from "./containers/ContainersPage";
import { EnvironmentPage } from "./environments/EnvironmentPage";
import { HomePage } from "./home/HomePage";
import { AppLayout } from "./shell/AppLayout";
import { AccountPage } from "./users/AccountPage";
import { UsersPage } from "./users/UsersPage";

export function App() {
  const status = useQuery({
    queryKey: ["system-status"],
    queryFn: async () => unwrap(await api.GET("/api/system/status")),
  });
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();

  // Any 401 means the session is over: back to sign-in, then to where the user was.
  useEffect(
    () =>
      onSessionEnded(() => {
        if (location.pathname === "/login" || location.pathname === "/setup") return;
        queryClient.removeQueries({ queryKey: ["me"] });
        const next = encodeURIComponent(location.pathname + location.search);
        navigate(`/login?next=${next}`, { replace: true });
      }),
    [location, navigate, queryClient],
  );

  if (status.isPending) {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  const setupRequired = status.data?.setup_required ?? false;
  return (
    <Routes>
      <Route path="/setup" element={setupRequired ? <SetupPage /> : <Navigate to="/login" replace />} />
      <Route path="/login" element={setupRequired ? <Navigate to="/setup" replace /> : <LoginPage />} />
      <Route
        path="/*"
        element={
          setupRequired ? (
            <Navigate to={`/setup${location.search}`} replace />
          ) : (
            <RequireSession />
          )
        }
      />
    </Routes>
  );
}

function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (me.isError || !me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return (
    <AppLayout user={me.data}>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/environments/:environmentId" element={<EnvironmentPage />} />
        <Route path="/environments/:environmentId/containers" element={<ContainersPage />} />
        <Route path="/account" element={<AccountPage />} />
        {me.data.role === "admin" && <Route path="/users" element={<UsersPage />} />}
        <Route path="/environments/:environmentId/containers/:containerId" element={<ContainerPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </AppLayout>
  );
}
