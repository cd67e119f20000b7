// The containers of one environment: live (change feed), virtualised, filterable and sortable, with quick
// and bulk actions.
import { ActionIcon, Anchor, Badge, Button, Checkbox, Group, Menu, Modal, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Container } from "../api/client";
import { formatAge, stateColor } from "../format";
import { useChangeFeed } from "../live/useChangeFeed";
import { ACTIONS, type ContainerActionName, useBulkAction } from "./actions";

const PAGE = 500;
const ROW_HEIGHT = 44;

export function ContainersPage() {
  const environmentId = Number(useParams().environmentId);
  useChangeFeed(environmentId);
  const [search, setSearch] = useState("");
  const [debouncedSearch] = useDebouncedValue(search, 200);
  const [state, setState] = useState<string | null>(null);
  const [image, setImage] = useState("");
  const [label, setLabel] = useState("");
  const [stack, setStack] = useState("");
  const [debouncedFilters] = useDebouncedValue({ image, label, stack }, 250);
  const [grouped, setGrouped] = useState(false);
  const [sort, setSort] = useState("name");
  const [order, setOrder] = useState<"asc" | "desc">("asc");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<ContainerActionName | null>(null);
  const bulk = useBulkAction(environmentId);

  const list = useInfiniteQuery({
    queryKey: ["containers", environmentId, "list", debouncedSearch, state, debouncedFilters, sort, order],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/environments/{id}/containers", {
          params: {
            path: { id: environmentId },
            query: {
              search: debouncedSearch || undefined,
              state: state ?? undefined,
              image: debouncedFilters.image || undefined,
              label: debouncedFilters.label || undefined,
              stack: debouncedFilters.stack || undefined,
              sort,
              order,
              limit: PAGE,
              cursor: pageParam,
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const loaded = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  // Grouped by stack: containers of one stack together (stable within the chosen order), loose ones last.
  const rows = useMemo(
    () => (grouped ? [...loaded].sort((a, b) => (a.stack ?? "\uffff").localeCompare(b.stack ?? "\uffff")) : loaded),
    [loaded, grouped],
  );
  const total = list.data?.pages[0]?.total ?? 0;

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 50 && list.hasNextPage && !list.isFetchingNextPage) list.fetchNextPage();
  }, [lastIndex, rows.length, list]);

  const chosen = rows.filter((row) => selected.has(row.id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Containers</Title>
        <Text c="dimmed" size="sm" data-testid="container-total">
          {total} container{total === 1 ? "" : "s"}
        </Text>
      </Group>
      <Group>
        <TextInput placeholder="Search name, image, id or stack" value={search} onChange={(e) => setSearch(e.currentTarget.value)} aria-label="Search containers" w={300} />
        <Select placeholder="Any state" aria-label="State" clearable value={state} onChange={setState}
          data={["running", "exited", "created", "paused", "restarting", "dead"]} w={160} />
        <Select aria-label="Sort by" value={sort} onChange={(value) => setSort(value ?? "name")} w={140}
          data={[{ value: "name", label: "Name" }, { value: "created", label: "Created" }, { value: "state", label: "State" }, { value: "image", label: "Image" }]} />
        <SegmentedControl value={order} onChange={(value) => setOrder(value as "asc" | "desc")} data={[{ value: "asc", label: "↑" }, { value: "desc", label: "↓" }]} aria-label="Order" />
        <TextInput placeholder="Image" aria-label="Image filter" value={image} onChange={(e) => setImage(e.currentTarget.value)} w={150} />
        <TextInput placeholder="Label key or key=value" aria-label="Label filter" value={label} onChange={(e) => setLabel(e.currentTarget.value)} w={190} />
        <TextInput placeholder="Stack" aria-label="Stack filter" value={stack} onChange={(e) => setStack(e.currentTarget.value)} w={130} />
        <Checkbox label="Group by stack" checked={grouped} onChange={(e) => setGrouped(e.currentTarget.checked)} />
        <Menu>
          <Menu.Target>
            <Button disabled={chosen.length === 0} variant="light">
              {chosen.length} selected…
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {ACTIONS.map((action) => (
              <Menu.Item key={action.name} color={action.destructive ? "red" : undefined} onClick={() => setConfirm(action.name)}>
                {action.label}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      {list.error && <Text c="red">{list.error.message}</Text>}
      <Table striped highlightOnHover layout="fixed">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={44}>
              <Checkbox aria-label="Select all" checked={rows.length > 0 && chosen.length === rows.length}
                indeterminate={chosen.length > 0 && chosen.length < rows.length}
                onChange={() => setSelected(chosen.length === rows.length ? new Set() : new Set(rows.map((r) => r.id)))} />
            </Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th w={130}>State</Table.Th>
            <Table.Th visibleFrom="md">Image</Table.Th>
            <Table.Th w={170} visibleFrom="md">Ports</Table.Th>
            <Table.Th w={120} visibleFrom="md">Created</Table.Th>
            <Table.Th w={110}>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
      </Table>
      <div ref={scroller} style={{ height: "calc(100vh - 260px)", minHeight: 300, overflow: "auto" }} data-testid="container-rows">
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const row = rows[item.index];
            return (
              <div key={row.id} style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}>
                <ContainerRow row={row} environmentId={environmentId} checked={selected.has(row.id)} onToggle={() => toggle(row.id)} />
              </div>
            );
          })}
        </div>
      </div>
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title="Confirm">
        <Text>
          {confirm} {chosen.length} container{chosen.length === 1 ? "" : "s"}?
        </Text>
        <Text size="sm" c="dimmed" mt="xs" lineClamp={4}>
          {chosen.map((c) => c.name).join(", ")}
        </Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirm(null)}>
            Cancel
          </Button>
          <Button color={ACTIONS.find((a) => a.name === confirm)?.destructive ? "red" : undefined} loading={bulk.isPending}
            onClick={() => {
              if (!confirm) return;
              bulk.mutate({ action: confirm, containers: chosen }, { onSettled: () => { setConfirm(null); setSelected(new Set()); } });
            }}>
            {ACTIONS.find((a) => a.name === confirm)?.label}
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}

function ContainerRow({ row, environmentId, checked, onToggle }: { row: Container; environmentId: number; checked: boolean; onToggle: () => void }) {
  const single = useBulkAction(environmentId);
  const running = row.state === "running";
  return (
    <Table layout="fixed" data-testid={`row-${row.name}`}>
      <Table.Tbody>
        <Table.Tr>
          <Table.Td w={44}>
            <Checkbox aria-label={`Select ${row.name}`} checked={checked} onChange={onToggle} />
          </Table.Td>
          <Table.Td style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
            <Anchor component={Link} to={`/environments/${environmentId}/containers/${row.id}`}>
              {row.name}
            </Anchor>
            {row.stack && <Badge variant="outline" size="xs" ml="xs">{row.stack}</Badge>}
          </Table.Td>
          <Table.Td w={130}>
            <Badge color={stateColor(row.state)} data-testid={`state-${row.name}`}>{row.state}</Badge>
            {row.health !== "none" && <Badge color={stateColor(row.health)} variant="dot" ml={4}>{row.health}</Badge>}
          </Table.Td>
          <Table.Td visibleFrom="md" style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>{row.image}</Table.Td>
          <Table.Td w={170} visibleFrom="md">
            {row.ports.filter((p) => p.public_port).map((p) => (
              <Anchor key={`${p.public_port}-${p.protocol}`} href={`http://${window.location.hostname}:${p.public_port}`} target="_blank" size="sm" mr={6}>
                {p.public_port}→{p.private_port}
              </Anchor>
            ))}
          </Table.Td>
          <Table.Td w={120} visibleFrom="md">
            <Text size="sm">{formatAge(row.created)}</Text>
          </Table.Td>
          <Table.Td w={110}>
            <ActionIcon variant="light" loading={single.isPending} aria-label={running ? `Stop ${row.name}` : `Start ${row.name}`}
              onClick={() => single.mutate({ action: running ? "stop" : "start", containers: [row] })}>
              {running ? "■" : "▶"}
            </ActionIcon>
          </Table.Td>
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
}
