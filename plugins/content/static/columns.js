/* Column tree: drag and drop to move or reorder columns.
 *
 * Progressive enhancement only: every change is also possible with the "上移/下移" buttons and the
 * move form, which this script posts to in the same way (parent, position), so the server checks
 * and audits a drag exactly like the form. Drop on the middle of a row: the column becomes the
 * row's last child; on its upper or lower edge: it goes before or after the row.
 */
(function () {
  "use strict";

  var tree = document.querySelector("[data-columns-tree]");
  if (!tree || !window.fetch || !window.FormData) {
    return;
  }
  var csrf = tree.getAttribute("data-csrf");
  var status = tree.querySelector("[data-columns-status]");
  var dragged = null;
  var marked = null;

  function itemOf(element) {
    return element && element.closest ? element.closest("li[data-column]") : null;
  }

  function rowOf(item) {
    return item.querySelector(":scope > .org-row");
  }

  function zone(item, event) {
    var box = rowOf(item).getBoundingClientRect();
    var y = (event.clientY - box.top) / Math.max(box.height, 1);
    if (y < 0.25 && item.hasAttribute("data-sibling-drop")) {
      return "before";
    }
    if (y > 0.75 && item.hasAttribute("data-sibling-drop")) {
      return "after";
    }
    return item.hasAttribute("data-child-drop") ? "child" : null;
  }

  function unmark() {
    if (marked) {
      var row = rowOf(marked);
      row.style.outline = "";
      row.style.boxShadow = "";
      marked = null;
    }
  }

  function mark(item, where) {
    unmark();
    var row = rowOf(item);
    if (where === "child") {
      row.style.outline = "2px dashed #0969da";
    } else {
      row.style.boxShadow = (where === "before" ? "inset 0 3px 0 " : "inset 0 -3px 0 ") + "#0969da";
    }
    marked = item;
  }

  function allowed(target) {
    // Never onto itself or anything below it: that would make the tree a cycle (the server refuses too).
    return dragged && target && target !== dragged && !dragged.contains(target);
  }

  function say(message, isError) {
    var box = document.getElementById("columns-drag-error");
    if (isError) {
      if (!box) {
        box = document.createElement("div");
        box.id = "columns-drag-error";
        box.className = "flash flash-error";
        box.setAttribute("role", "alert");
        tree.parentNode.insertBefore(box, tree);
      }
      box.textContent = message;
    } else if (status) {
      status.textContent = message;
    }
  }

  function destination(target, where) {
    if (where === "child") {
      return {parent: target.getAttribute("data-column"), position: ""};
    }
    var siblings = Array.prototype.filter.call(target.parentNode.children, function (li) {
      return li !== dragged;
    });
    var index = siblings.indexOf(target) + (where === "after" ? 1 : 0);
    return {parent: target.getAttribute("data-parent"), position: String(index)};
  }

  function send(place) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("parent", place.parent);
    body.append("position", place.position);
    say("正在移动栏目…", false);
    fetch(dragged.getAttribute("data-move"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().catch(function () {
        return {ok: false, error: "移动失败（" + response.status + "），请使用“移动 · 复制 · 删除”页面。"};
      });
    }).then(function (answer) {
      if (answer.ok) {
        window.location.reload();
      } else {
        say(answer.error, true);
      }
    }, function () {
      say("网络错误，栏目没有移动。", true);
    });
  }

  Array.prototype.forEach.call(tree.querySelectorAll("li[data-move]"), function (item) {
    var row = rowOf(item);
    row.setAttribute("draggable", "true");
    row.style.cursor = "move";
    row.addEventListener("dragstart", function (event) {
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-column"));
    });
    row.addEventListener("dragend", function () {
      dragged = null;
      unmark();
    });
  });

  tree.addEventListener("dragover", function (event) {
    var target = itemOf(event.target);
    var where = allowed(target) ? zone(target, event) : null;
    if (!where) {
      unmark();
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    mark(target, where);
  });

  tree.addEventListener("drop", function (event) {
    var target = itemOf(event.target);
    var where = allowed(target) ? zone(target, event) : null;
    unmark();
    if (!where) {
      return;
    }
    event.preventDefault();
    send(destination(target, where));
  });
}());
